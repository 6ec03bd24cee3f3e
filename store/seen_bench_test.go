package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// seenBenchStore is a store holding 26 weeks of seen keys, 3,000 a week,
// and the 20 keys of one listing, all seen.
func seenBenchStore(b *testing.B) (*Store, []string) {
	now := t0
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for week := range 26 {
		arts := make([]news.Article, 3000)
		for i := range arts {
			arts[i].Keys = []string{fmt.Sprintf("https://example.com/%d/%d", week, i)}
		}
		if _, err := s.Record(Pass{Source: "wire", Seen: arts}); err != nil {
			b.Fatal(err)
		}
		now = now.Add(seenWeek)
	}
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("https://example.com/%d/%d", 25-i%3, i)
	}
	return s, keys
}

// BenchmarkSeenListing looks up one listing's 20 seen keys: one read
// transaction each (Seen, as the crawler asks today) or one for all
// (SeenMany).
func BenchmarkSeenListing(b *testing.B) {
	s, keys := seenBenchStore(b)
	b.Run("Seen", func(b *testing.B) {
		for b.Loop() {
			for _, k := range keys {
				if ok, err := s.Seen("wire", k); !ok || err != nil {
					b.Fatalf("Seen(%q) = %v, %v", k, ok, err)
				}
			}
		}
	})
	b.Run("SeenMany", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.SeenMany("wire", keys); len(got) != len(keys) || err != nil {
				b.Fatalf("SeenMany = %d keys, %v", len(got), err)
			}
		}
	})
}
