package matcher

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
)

// goldenWatches are the watches the golden articles are matched against.
func goldenWatches() []Watch {
	return []Watch{
		{Name: "al-hol", Terms: []Term{
			{Name: "al-Hol", Variants: vs("al Hol", "Hol camp", "الهول", "مخيم الهول")},
			{Name: "al-Hol camp"},
			{Name: "Hasakah", Variants: vs("Ḥasakah", "الحسكة")},
		}},
		{Name: "jihadists", Terms: []Term{
			{Name: "Islamic State", Variants: vs("ISIS", "داعش", "تنظيم داعش")},
			{Name: "Hay'at Tahrir al-Sham", Variants: vs("HTS", "هيئة تحرير الشام")},
			{Name: "Ahmed al-Sharaa", Variants: vs("أحمد الشرع", "al-Sharaa")},
		}},
		{Name: "us-forces", Terms: []Term{
			{Name: "CENTCOM", Variants: vs("U.S. Central Command", "Central Command", "القيادة المركزية الأمريكية")},
			{Name: "SDF", Variants: vs("Syrian Democratic Forces", "قسد")},
		}},
		{Name: "numbers", Terms: []Term{{Name: "2024"}, {Name: "2019"}, {Name: "40,000"}}},
		{Name: "nothing", Terms: []Term{{Name: "Holmes Street shelter camp"}, {Name: "crisis group"}}},
	}
}

// TestGolden matches each article in testdata/golden/*.txt (title on the
// first line, a blank line, then the text) and compares the hits with the
// .golden.json file next to it. Run with -update to rewrite the files, then
// review the diff.
func TestGolden(t *testing.T) {
	m := compile(t, goldenWatches()...)
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden articles: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			title, text := readArticle(t, file)
			got, err := json.MarshalIndent(goldenHits(m.Match(title, text)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden.Check(t, strings.TrimSuffix(file, ".txt")+".golden.json", got)
		})
	}
}

// goldenHit is a Hit with its snippet marked up, so that a reviewer of the
// golden file sees what Highlights point at.
type goldenHit struct {
	Hit
	Marked string
}

func goldenHits(hits []Hit) []goldenHit {
	out := make([]goldenHit, len(hits))
	for i, h := range hits {
		out[i] = goldenHit{Hit: h, Marked: mark(h.Snippet, h.Highlights)}
	}
	return out
}

// mark wraps each highlight of s in « ». Highlights that are not ordered,
// non-overlapping ranges on UTF-8 boundaries inside s make it return a
// message instead, so that a comparison fails loudly.
func mark(s string, spans []news.Span) string {
	at := 0
	for _, sp := range spans {
		if sp.Start < at || sp.End <= sp.Start || sp.End > len(s) || !utf8.RuneStart(s[sp.Start]) || sp.End < len(s) && !utf8.RuneStart(s[sp.End]) {
			return fmt.Sprintf("invalid highlights %v in %q", spans, s)
		}
		at = sp.End
	}
	return markSpans(s, spans, "«", "»")
}

func readArticle(t testing.TB, file string) (title, text string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	title, text, ok := strings.Cut(string(b), "\n\n")
	if !ok {
		t.Fatalf("%s: want a title line, a blank line and the text", file)
	}
	return title, text
}
