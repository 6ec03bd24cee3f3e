package extracteval

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", "world"}},
		{"snake_case 42nd 3.14", []string{"snake_case", "42nd", "3", "14"}},
		{"Größe über Straße", []string{"Größe", "über", "Straße"}},
		{"日本語のテキスト。次", []string{"日本語のテキスト", "次"}},
		{"don’t stop—now", []string{"don", "t", "stop", "now"}},
		// A combining mark is not \w in Python: it splits the word.
		{"हिन्दी", []string{"ह", "न", "द"}},
		{"x²½", []string{"x²½"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShingles(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]int
	}{
		{"", map[string]int{}},
		{"one two", map[string]int{"one\x00two": 1}},
		{"a b c d e", map[string]int{"a\x00b\x00c\x00d": 1, "b\x00c\x00d\x00e": 1}},
		{"a b c d a b c d", map[string]int{"a\x00b\x00c\x00d": 2, "b\x00c\x00d\x00a": 1, "c\x00d\x00a\x00b": 1, "d\x00a\x00b\x00c": 1}},
	}
	for _, tt := range tests {
		got := Shingles(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("Shingles(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("Shingles(%q) = %v, want %v", tt.in, got, tt.want)
				break
			}
		}
	}
}

func TestPageScore(t *testing.T) {
	tests := []struct {
		truth, pred string
		want        Score
		p, r        float64
	}{
		{"", "", Score{}, 1, 1},
		{"a b c d e", "a b c d e", Score{TP: 1}, 1, 1},
		{"a b c d e", "", Score{FN: 1}, 0, 0},
		{"", "a b c d e", Score{FP: 1}, 0, 0},
		// truth 2 shingles, pred adds 2 more: tp 2, fp 2.
		{"a b c d e", "a b c d e f g", Score{TP: 0.5, FP: 0.5}, 0.5, 1},
		// pred has one of truth's three shingles.
		{"a b c d e f", "a b c d", Score{TP: 1.0 / 3, FN: 2.0 / 3}, 1, 1.0 / 3},
	}
	for _, tt := range tests {
		got := PageScore(tt.truth, tt.pred)
		if !near(got.TP, tt.want.TP) || !near(got.FP, tt.want.FP) || !near(got.FN, tt.want.FN) {
			t.Errorf("PageScore(%q, %q) = %+v, want %+v", tt.truth, tt.pred, got, tt.want)
		}
		if !near(got.Precision(), tt.p) || !near(got.Recall(), tt.r) {
			t.Errorf("PageScore(%q, %q) P,R = %v,%v, want %v,%v", tt.truth, tt.pred, got.Precision(), got.Recall(), tt.p, tt.r)
		}
	}
}

func TestAggregate(t *testing.T) {
	// Means of per-page precision (1, 0.5) and recall (1/3, 1), then F1.
	got := Aggregate([]Score{{TP: 1.0 / 3, FN: 2.0 / 3}, {TP: 0.5, FP: 0.5}})
	wantP, wantR := 0.75, 2.0/3
	wantF := 2 * wantP * wantR / (wantP + wantR)
	if got.Pages != 2 || !near(got.Precision, wantP) || !near(got.Recall, wantR) || !near(got.F1, wantF) {
		t.Errorf("Aggregate = %+v, want P %v R %v F1 %v", got, wantP, wantR, wantF)
	}
	if got := Aggregate(nil); got != (Result{}) {
		t.Errorf("Aggregate(nil) = %+v, want zero", got)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "a b", "日本語 text_1", "\xff\xfe bad", "हिन्दी", "x²½ — y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokens(s)
		for _, tok := range toks {
			if tok == "" || !strings.Contains(s, tok) {
				t.Fatalf("Tokens(%q) gave %q, not a non-empty substring", s, tok)
			}
			for _, r := range tok {
				if !isWord(r) && r != utf8.RuneError {
					t.Fatalf("Tokens(%q) gave %q with non-word rune %q", s, tok, r)
				}
			}
		}
		// The text against itself is a perfect score.
		sc := PageScore(s, s)
		if sc.FP != 0 || sc.FN != 0 {
			t.Fatalf("PageScore(%q, same) = %+v, want no fp/fn", s, sc)
		}
	})
}
