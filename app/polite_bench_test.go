package app

import (
	"context"
	"testing"
)

// BenchmarkUnchangedPass is one pass over an unchanged feed: the
// conditional listing request answered 304, no parsing, no article
// fetch, the source state recorded.
func BenchmarkUnchangedPass(b *testing.B) {
	site, clock := newPoliteSite(b), &fakeClock{t: healthT0}
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
