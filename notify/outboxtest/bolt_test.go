package outboxtest_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/outboxtest"
	"github.com/newshound/newshound/store"
)

// The bbolt store is an outbox engine.
var _ notify.Outbox = (*store.Store)(nil)

// TestBolt runs the conformance suite against the bbolt store, a real
// file in a temporary directory for each case. It lives here rather than
// in store's tests because store sits below notify and may not import it.
func TestBolt(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T, now func() time.Time) outboxtest.Engine {
		s, err := store.Open(filepath.Join(t.TempDir(), "newshound.db"), store.Options{Now: now})
		if err != nil {
			t.Fatalf("store.Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		return s
	})
}
