package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// benchArticles returns n distinct articles carrying the 6 KB English
// news text of testdata/article_en.txt.
func benchArticles(b *testing.B, n int, round int) []news.Article {
	b.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "article_en.txt"))
	if err != nil {
		b.Fatal(err)
	}
	out := make([]news.Article, n)
	for i := range out {
		id := fmt.Sprintf("https://news.example/%d/%d", round, i)
		out[i] = news.Article{ID: id, Keys: []string{id}, URL: id, Source: "wire", Title: "CENTCOM plan",
			Text: string(text), Found: t0.Add(time.Duration(round*n+i) * time.Second)}
	}
	return out
}

// BenchmarkEncodeTexts measures the compression Record does before its
// write transaction, per article, and reports the stored size.
func BenchmarkEncodeTexts(b *testing.B) {
	arts := benchArticles(b, 100, 0)
	var stored int
	for b.Loop() {
		texts, err := encodeTexts("wire", arts, t0)
		if err != nil {
			b.Fatal(err)
		}
		stored = 0
		for _, t := range texts {
			stored += len(t.value)
		}
	}
	b.ReportMetric(float64(stored)/float64(len(arts)), "stored-B/article")
	b.ReportMetric(float64(len(arts[0].Text)), "text-B/article")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(arts)), "ns/article")
}

// BenchmarkRecordWithTexts is a pass of 100 new articles recorded with
// their texts (one fsynced transaction), per pass.
func BenchmarkRecordWithTexts(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	round := 0
	for b.Loop() {
		b.StopTimer()
		arts := benchArticles(b, 100, round)
		round++
		b.StartTimer()
		if _, err := s.Record(Pass{Source: "wire", Seen: arts}); err != nil {
			b.Fatal(err)
		}
	}
}
