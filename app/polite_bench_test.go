package app

import (
	"context"
	"testing"

	"github.com/newshound/newshound/internal/testclock"
)

// BenchmarkUnchangedPass is one pass over an unchanged feed: the
// conditional listing request answered 304, no parsing, no article
// fetch, the source state recorded.
func BenchmarkUnchangedPass(b *testing.B) {
	site, clock := newPoliteSite(b), testclock.New(healthT0)
	a := newPoliteApp(b, site, clock)
	c := a.current()
	src := c.cfg.Sources[0]
	if p := a.runPass(context.Background(), c, src, false); p.Articles != 2 {
		b.Fatalf("first pass = %+v", p)
	}
	for b.Loop() {
		if p := a.runPass(context.Background(), c, src, false); !p.NotModified {
			b.Fatalf("pass = %+v, want NotModified", p)
		}
	}
}
