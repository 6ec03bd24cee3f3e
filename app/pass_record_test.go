package app

import (
	"context"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/store"
)

// TestIdlePassRunTimes: a 304 pass that changes nothing but the source's
// run times shows them at once (the status page and the catch-up read
// the store), keeps the validators, and its times are on file after the
// daemon closes the store.
func TestIdlePassRunTimes(t *testing.T) {
	site, clock := newPoliteSite(t), testclock.New(healthT0)
	a := newPoliteApp(t, site, clock)
	c := a.current()
	src := c.cfg.Sources[0]
	for i := range 3 {
		p := a.runPass(context.Background(), c, src, true)
		if p.Err != nil || p.NotModified != (i > 0) {
			t.Fatalf("pass %d = %+v, want NotModified %v", i, p, i > 0)
		}
		state, fetch, err := a.Store().States(src.Name)
		if err != nil || !state.LastRun.Equal(clock.Now()) || !state.LastSuccess.Equal(clock.Now()) || fetch.ETag != `"feed-v1"` {
			t.Fatalf("after pass %d States(%s) = run %v, success %v, ETag %q, %v; want run and success %v, ETag \"feed-v1\"",
				i, src.Name, state.LastRun, state.LastSuccess, fetch.ETag, err, clock.Now())
		}
		clock.Advance(15 * time.Minute)
	}
	last := clock.Now().Add(-15 * time.Minute)
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err := store.Open(c.cfg.Data, store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer s.Close()
	if state, _, err := s.SourceState(src.Name); err != nil || !state.LastRun.Equal(last) {
		t.Errorf("SourceState(%s).LastRun after Close = %v, %v; want %v", src.Name, state.LastRun, err, last)
	}
}
