package extracteval

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultDir is where the corpus lives relative to the repository root.
const DefaultDir = "../shared/corpus/article-extraction-benchmark"

// Page is one corpus entry's ground truth.
type Page struct {
	ID   string
	URL  string
	Body string // the human-checked article body
}

// Corpus is the benchmark's ground truth, pages sorted by id.
type Corpus struct {
	Dir   string
	Pages []Page
}

type entry struct {
	ArticleBody string `json:"articleBody"`
	URL         string `json:"url"`
}

// Load reads dir/ground-truth.json.
func Load(dir string) (*Corpus, error) {
	m, err := readOutputs(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	c := &Corpus{Dir: dir}
	for id, e := range m {
		if !utf8.ValidString(e.ArticleBody) {
			return nil, fmt.Errorf("load corpus: page %s: article body is not UTF-8", id)
		}
		c.Pages = append(c.Pages, Page{ID: id, URL: e.URL, Body: e.ArticleBody})
	}
	slices.SortFunc(c.Pages, func(a, b Page) int { return strings.Compare(a.ID, b.ID) })
	return c, nil
}

// HTML returns a page's HTML, ungzipped from dir/html/<id>.html.gz.
func (c *Corpus) HTML(id string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(c.Dir, "html", id+".html.gz"))
	if err != nil {
		return nil, fmt.Errorf("read page %s: %w", id, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read page %s: %w", id, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read page %s: %w", id, err)
	}
	return b, nil
}

// Outputs reads an extractor's outputs (dir/reference-outputs/<name>.json):
// id → articleBody.
func (c *Corpus) Outputs(name string) (map[string]string, error) {
	m, err := readOutputs(filepath.Join(c.Dir, "reference-outputs", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("reference outputs %s: %w", name, err)
	}
	out := make(map[string]string, len(m))
	for id, e := range m {
		out[id] = e.ArticleBody
	}
	return out, nil
}

// References lists the names of the reference outputs present, sorted.
func (c *Corpus) References() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(c.Dir, "reference-outputs", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list reference outputs: %w", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	slices.Sort(names)
	return names, nil
}

// readOutputs reads the benchmark's JSON shape, bare or wrapped as
// {"version": ..., "output": {...}}.
func readOutputs(path string) (map[string]entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Output map[string]entry `json:"output"`
	}
	if err := json.Unmarshal(b, &wrapped); err == nil && wrapped.Output != nil {
		return wrapped.Output, nil
	}
	var bare map[string]entry
	if err := json.Unmarshal(b, &bare); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Base(path), err)
	}
	return bare, nil
}

// Score compares outputs (id → text) with the ground truth of the pages
// for which keep returns true (nil keeps all). A page missing from
// outputs counts as an empty prediction, as in the benchmark.
func (c *Corpus) Score(outputs map[string]string, keep func(id string) bool) Result {
	var scores []Score
	for _, p := range c.Pages {
		if keep != nil && !keep(p.ID) {
			continue
		}
		scores = append(scores, PageScore(p.Body, outputs[p.ID]))
	}
	return Aggregate(scores)
}

// Half names the two halves of the corpus: Dev for tuning, HeldOut for
// the reported figure.
type Half int

// The halves.
const (
	Dev Half = iota
	HeldOut
)

func (h Half) String() string {
	if h == Dev {
		return "dev"
	}
	return "held-out"
}

// HalfOf assigns a page to a half by the parity of the first byte of
// sha256(id): deterministic, independent of corpus order and of the
// extractor.
func HalfOf(id string) Half {
	sum := sha256.Sum256([]byte(id))
	return Half(sum[0] & 1)
}

// In returns a filter for Corpus.Score keeping one half.
func In(h Half) func(string) bool {
	return func(id string) bool { return HalfOf(id) == h }
}
