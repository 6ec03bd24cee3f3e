package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// BenchmarkAlertsPage reads one page of 50 from a history of 54,000
// alerts (90 days at 600 a day; 20 watches, 1,000 sources), each with two
// delivered entries, with the filters the API and the feeds use.
func BenchmarkAlertsPage(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 54000
	p := Pass{Source: "x"}
	for i := range n {
		a := news.Alert{
			ID: fmt.Sprintf("nh_%032x", i), Watch: fmt.Sprintf("watch-%02d", i%20), Source: fmt.Sprintf("source-%04d", i%1000),
			URL: fmt.Sprintf("https://example.com/%d", i), Title: "A title of some length for the page", Found: t0.Add(time.Duration(i) * 144 * time.Second),
			Snippet: "… a snippet of about two hundred bytes, as the matcher cuts them, around the first hit of the watch …",
		}
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: a, Notifiers: []string{"mail", "slack"}})
	}
	if _, err := s.Record(p); err != nil {
		b.Fatal(err)
	}
	queued, err := s.Queued()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range queued {
		if err := s.Ack(e.ID, t0); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct {
		name string
		q    AlertQuery
	}{
		{"all", AlertQuery{}},
		{"watch", AlertQuery{Watch: "watch-07"}},
		{"source", AlertQuery{Source: "source-0042"}},
		// Watch 7 fires on sources 7, 27, 47, …: the worst case walks the
		// watch's alerts of the other 49 sources.
		{"watch and source", AlertQuery{Watch: "watch-07", Source: "source-0047"}},
		{"since a day ago", AlertQuery{Since: t0.Add((n - 600) * 144 * time.Second)}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.Alerts(q.q)
				if err != nil || len(page.Alerts) == 0 {
					b.Fatalf("Alerts(%+v) = %d, %v", q.q, len(page.Alerts), err)
				}
			}
		})
	}
}
