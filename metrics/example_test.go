package metrics_test

import (
	"net/http"
	"time"

	"github.com/newshound/newshound/metrics"
)

// storeSnapshot stands in for the daemon's adapter over its store.
type storeSnapshot struct{}

func (storeSnapshot) Snapshot() (metrics.Snapshot, error) {
	return metrics.Snapshot{
		Notifiers:      []metrics.NotifierSnapshot{{Name: "slack", Queued: 2, OldestQueued: time.Now().Add(-time.Minute)}},
		StoreSizeBytes: 1 << 20,
	}, nil
}

// The daemon builds one Metrics, records events where they happen and
// serves the handler at /metrics.
func Example() {
	m := metrics.New(metrics.Options{Snapshot: storeSnapshot{}})

	// After each pass of a source:
	m.SourceRun("wire", metrics.SourceRun{
		Duration: 1200 * time.Millisecond,
		Error:    metrics.NoError, // or metrics.KindForStatus(503), metrics.ErrRobots, ...
		Items:    40, New: 3,
		Healthy:  true,
		Finished: time.Now(),
	})
	m.WatchMatched("acme", 2)              // alerts stored for the watch
	m.Delivery("slack", metrics.Delivered) // per dispatcher outcome
	m.ConfigReload(true)                   // per reload
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler()) // or web.Options{Metrics: m.Handler()}
}
