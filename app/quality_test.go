package app_test

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/matcher"
)

// qualityOut names a file for the precision/recall table of TestQuality
// (Markdown, for BENCHMARKS.md). A relative path is relative to the
// package folder, where go test runs:
//
//	go test ./app -run 'TestQuality$' -quality.out=$PWD/quality.md
var qualityOut = flag.String("quality.out", "", "write TestQuality's per-watch precision and recall table to this file")

var (
	labelledWatches  = filepath.Join("testdata", "labelled", "watches.yaml")
	labelledPassages = filepath.Join("testdata", "labelled", "passages.yaml")
)

// Minimums the set must keep as it grows.
const (
	minPassages = 150
	minArabic   = 25
)

// passage is one labelled case of testdata/labelled/passages.yaml.
type passage struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	Text  string `yaml:"text"`
	// HTML is a fragment used instead of Text; it is rendered with
	// crawler.HTMLText, as feed content is, so markup splits are real.
	HTML string `yaml:"html"`
	// Expect lists exactly the watches that must fire. It is a pointer so
	// that a forgotten `expect:` is told apart from `expect: []`.
	Expect *[]string `yaml:"expect"`
	Note   string    `yaml:"note"`
}

// text is the article text the matcher sees.
func (p passage) text() string {
	if p.HTML != "" {
		return crawler.HTMLText(p.HTML)
	}
	return p.Text
}

func loadLabelledConfig(t *testing.T) *config.Config {
	t.Helper()
	data, err := os.ReadFile(labelledWatches)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, labelledWatches, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config.Parse(%q): %v", labelledWatches, err)
	}
	return cfg
}

func loadPassages(t *testing.T) []passage {
	t.Helper()
	data, err := os.ReadFile(labelledPassages)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key (exepct:) must not silently drop a label
	var ps []passage
	if err := dec.Decode(&ps); err != nil {
		t.Fatalf("%s: %v", labelledPassages, err)
	}
	return ps
}

// TestQualitySet checks the labelled set itself, so that it cannot shrink
// or rot into cases that test nothing.
func TestQualitySet(t *testing.T) {
	cfg := loadLabelledConfig(t)
	ps := loadPassages(t)
	if len(ps) < minPassages {
		t.Errorf("len(passages) = %d, want at least %d", len(ps), minPassages)
	}
	watches := map[string]bool{}
	for _, w := range cfg.Watches {
		watches[w.Name] = true
	}
	ids := map[string]bool{}
	positive, negative := map[string]int{}, map[string]int{}
	languages := map[string]int{}
	for i, p := range ps {
		switch {
		case p.ID == "":
			t.Errorf("passage %d: no id", i)
		case ids[p.ID]:
			t.Errorf("passage %s: duplicate id", p.ID)
		}
		ids[p.ID] = true
		lang, _, _ := strings.Cut(p.ID, "-")
		languages[lang]++
		if (p.Text == "") == (p.HTML == "") {
			t.Errorf("passage %s: want exactly one of text and html", p.ID)
		}
		if strings.TrimSpace(p.Note) == "" {
			t.Errorf("passage %s: no note saying why the case exists", p.ID)
		}
		if p.Expect == nil {
			t.Errorf("passage %s: no expect (write expect: [] for none)", p.ID)
			continue
		}
		seen := map[string]bool{}
		for _, name := range *p.Expect {
			if !watches[name] {
				t.Errorf("passage %s: expect names %q, which is not a watch in %s", p.ID, name, labelledWatches)
			}
			if seen[name] {
				t.Errorf("passage %s: expect names %q twice", p.ID, name)
			}
			seen[name] = true
		}
		for name := range watches {
			if seen[name] {
				positive[name]++
			} else {
				negative[name]++
			}
		}
	}
	for name := range watches {
		if positive[name] == 0 || negative[name] == 0 {
			t.Errorf("watch %s: %d positive and %d negative passages, want at least one of each", name, positive[name], negative[name])
		}
	}
	if languages["ar"] < minArabic {
		t.Errorf("Arabic passages = %d, want at least %d", languages["ar"], minArabic)
	}
}

// tally counts one watch's outcomes over the set.
type tally struct {
	tp, fp, fn, tn   int
	missed, falseHit []string // passage ids
}

// TestQuality matches every labelled passage against the labelled watches
// through the same path the daemon uses (config.Parse, app.MatcherWatches,
// Compile, Match) and requires exactly the expected watches to fire. It
// then logs per-watch precision and recall over the whole set (and writes
// them to -quality.out when given).
func TestQuality(t *testing.T) {
	cfg := loadLabelledConfig(t)
	ps := loadPassages(t)
	ws, err := app.MatcherWatches(cfg.Watches)
	if err != nil {
		t.Fatalf("MatcherWatches: %v", err)
	}
	m, err := matcher.Compile(ws)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	tallies := map[string]*tally{}
	for _, w := range cfg.Watches {
		tallies[w.Name] = &tally{}
	}
	for _, p := range ps {
		if p.Expect == nil {
			continue // reported by TestQualitySet
		}
		want := slices.Sorted(slices.Values(*p.Expect))
		var got []string
		for _, h := range m.Match(p.Title, p.text()) {
			got = append(got, h.Watch)
		}
		slices.Sort(got)
		t.Run(p.ID, func(t *testing.T) {
			if !slices.Equal(got, want) {
				t.Errorf("Match(%s) = %v, want %v (%s)", p.ID, got, want, p.Note)
			}
		})
		count(tallies, p.ID, got, want)
	}
	table := qualityTable(cfg, ps, tallies)
	t.Log("\n" + table)
	if *qualityOut != "" {
		if err := os.WriteFile(*qualityOut, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// count adds one passage's outcome to the tallies of every watch.
func count(tallies map[string]*tally, id string, got, want []string) {
	for name, c := range tallies {
		g, w := slices.Contains(got, name), slices.Contains(want, name)
		switch {
		case g && w:
			c.tp++
		case g:
			c.fp++
			c.falseHit = append(c.falseHit, id)
		case w:
			c.fn++
			c.missed = append(c.missed, id)
		default:
			c.tn++
		}
	}
}

// qualityTable renders the tallies as Markdown: a summary of the set, one
// row per watch in config order and a total, then every miss and false
// hit by passage id.
func qualityTable(cfg *config.Config, ps []passage, tallies map[string]*tally) string {
	langs := map[string]int{}
	for _, p := range ps {
		lang, _, _ := strings.Cut(p.ID, "-")
		langs[lang]++
	}
	var parts []string
	for _, l := range slices.Sorted(maps.Keys(langs)) {
		parts = append(parts, fmt.Sprintf("%s %d", l, langs[l]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Labelled set: %d passages (%s), %d watches.\n\n", len(ps), strings.Join(parts, ", "), len(cfg.Watches))
	b.WriteString("| watch | TP | FP | FN | TN | precision | recall |\n|---|--:|--:|--:|--:|--:|--:|\n")
	var all tally
	for _, w := range cfg.Watches {
		c := tallies[w.Name]
		all.tp, all.fp, all.fn, all.tn = all.tp+c.tp, all.fp+c.fp, all.fn+c.fn, all.tn+c.tn
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s | %s |\n", w.Name, c.tp, c.fp, c.fn, c.tn, ratio(c.tp, c.tp+c.fp), ratio(c.tp, c.tp+c.fn))
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %d | %s | %s |\n", all.tp, all.fp, all.fn, all.tn, ratio(all.tp, all.tp+all.fp), ratio(all.tp, all.tp+all.fn))
	var errs []string
	for _, w := range cfg.Watches {
		c := tallies[w.Name]
		if len(c.missed) > 0 {
			errs = append(errs, fmt.Sprintf("- %s missed: %s", w.Name, strings.Join(c.missed, ", ")))
		}
		if len(c.falseHit) > 0 {
			errs = append(errs, fmt.Sprintf("- %s false hits: %s", w.Name, strings.Join(c.falseHit, ", ")))
		}
	}
	if len(errs) > 0 {
		b.WriteString("\n" + strings.Join(errs, "\n") + "\n")
	}
	return b.String()
}

// ratio formats n/d with two decimals, or "n/a" when d is 0 (a watch that
// never fired has no precision).
func ratio(n, d int) string {
	if d == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(d))
}
