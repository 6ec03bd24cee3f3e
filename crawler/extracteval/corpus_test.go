package extracteval

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir finds the benchmark corpus from this package's directory or
// skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", DefaultDir)
	if _, err := os.Stat(filepath.Join(dir, "ground-truth.json")); err != nil {
		t.Skipf("article-extraction-benchmark corpus not found at %s: skipping (it is not part of the repository)", dir)
	}
	return dir
}

// TestReferenceFigures reproduces the benchmark's published F1 for the
// reference outputs: only an evaluator that does may be trusted with our
// own figures.
func TestReferenceFigures(t *testing.T) {
	c, err := Load(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pages) != 181 {
		t.Fatalf("Load: %d pages, want 181", len(c.Pages))
	}
	want := map[string]float64{
		"go_trafilatura":      0.960,
		"trafilatura":         0.958,
		"go_readability_fork": 0.947,
		"readability_js":      0.947,
		"html-text":           0.665,
	}
	for name, f1 := range want {
		out, err := c.Outputs(name)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Score(out, nil)
		if math.Abs(got.F1-f1) > 0.0005 {
			t.Errorf("Score(%q).F1 = %.4f, want %.3f (P %.4f R %.4f)", name, got.F1, f1, got.Precision, got.Recall)
		}
	}
}

// TestGroundTruthScoresOne: the truth against itself is perfect on every
// page.
func TestGroundTruthScoresOne(t *testing.T) {
	c, err := Load(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range c.Pages {
		out[p.ID] = p.Body
	}
	if got := c.Score(out, nil); got.F1 != 1 || got.Precision != 1 || got.Recall != 1 {
		t.Errorf("Score(truth) = %+v, want all 1", got)
	}
}

func TestHalvesSplitCorpus(t *testing.T) {
	c, err := Load(corpusDir(t))
	if err != nil {
		t.Fatal(err)
	}
	n := map[Half]int{}
	for _, p := range c.Pages {
		n[HalfOf(p.ID)]++
	}
	if n[Dev]+n[HeldOut] != len(c.Pages) || n[Dev] < 60 || n[HeldOut] < 60 {
		t.Errorf("halves = dev %d, held-out %d of %d; want two sizeable halves", n[Dev], n[HeldOut], len(c.Pages))
	}
}
