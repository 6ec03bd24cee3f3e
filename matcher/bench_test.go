package matcher

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// benchWatches generates n terms in watches of ten: mostly made-up names of
// one to three words (so the dictionary is realistic in size), with the
// golden watches' real terms mixed in so that the article has hits.
func benchWatches(n int) []Watch {
	rng := rand.New(rand.NewPCG(1, 2))
	syllables := []string{"al", "ra", "qa", "ha", "sa", "kah", "mi", "shli", "tor", "bel", "dan", "zor", "hol", "cent", "com", "ta", "rir", "sham"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		return b.String()
	}
	watches := goldenWatches()
	count := 0
	for _, w := range watches {
		count += len(w.Terms)
	}
	for i := 0; count < n; i++ {
		w := Watch{Name: fmt.Sprintf("generated-%d", i)}
		for range 10 {
			words := make([]string, 1+rng.IntN(3))
			for k := range words {
				words[k] = word()
			}
			w.Terms = append(w.Terms, Term{Name: strings.Join(words, " ")})
			count++
		}
		watches = append(watches, w)
	}
	return watches
}

func BenchmarkMatch(b *testing.B) {
	m := compile(b, benchWatches(1000)...)
	title, text := readArticle(b, filepath.Join("testdata", "golden", "syria_en.txt"))
	b.SetBytes(int64(len(title) + len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if m.Match(title, text) == nil {
			b.Fatal("no hits")
		}
	}
}
