// Package extracteval scores article-text extraction the way the
// scrapinghub article-extraction-benchmark does, so figures measured here
// compare with the published ones (go-trafilatura 0.960, trafilatura
// 0.958, readability 0.947 ...).
//
// The metric: tokens are runs of word characters (Python's `\w+`); each
// text is a multiset of 4-token shingles; per page tp, fp and fn count the
// shingles both texts share, only the prediction has and only the truth
// has, and are then divided by their sum so a long page weighs no more
// than a short one. Precision and recall are means over pages, and F1 is
// the harmonic mean of those means. The evaluator is checked against the
// benchmark's reference outputs (see the package tests) before any figure
// of ours is trusted.
//
// The corpus itself is not part of the repository; Load reads it from a
// directory (by default ../shared/corpus/article-extraction-benchmark).
package extracteval

import (
	"strings"
	"unicode"
)

// ShingleSize is the benchmark's n-gram length.
const ShingleSize = 4

// Tokens splits text into runs of word characters as Python's re `\w+`
// does on str: letters, numbers (decimal, letter and other numbers) and
// the underscore. Combining marks are not word characters there, and are
// not here either, so a Devanagari or Arabic word with marks splits the
// same way in both.
func Tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if isWord(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// Shingles counts the text's 4-token shingles. A text of one to three
// tokens is one shingle of all its tokens, as in the benchmark; an empty
// text has none.
func Shingles(text string) map[string]int {
	toks := Tokens(text)
	m := make(map[string]int, len(toks))
	if len(toks) == 0 {
		return m
	}
	n := max(1, len(toks)-ShingleSize+1)
	for i := range n {
		j := min(i+ShingleSize, len(toks))
		// A separator that can't occur inside a token keeps
		// ("ab","c") and ("a","bc") apart.
		m[strings.Join(toks[i:j], "\x00")]++
	}
	return m
}

// Score is one page's shingle counts, normalised so TP+FP+FN is 1 (or all
// zero when both texts are empty).
type Score struct {
	TP, FP, FN float64
}

// PageScore compares a predicted text with the true one.
func PageScore(truth, pred string) Score {
	t, p := Shingles(truth), Shingles(pred)
	var tp, fp, fn int
	for k, tc := range t {
		pc := p[k]
		tp += min(tc, pc)
		fn += max(0, tc-pc)
	}
	for k, pc := range p {
		fp += max(0, pc-t[k])
	}
	sum := float64(tp + fp + fn)
	if sum == 0 {
		return Score{}
	}
	return Score{TP: float64(tp) / sum, FP: float64(fp) / sum, FN: float64(fn) / sum}
}

// Precision is the page's precision with the benchmark's edge cases: 1
// when nothing is wrong (fp = fn = 0, which includes two empty texts), 0
// when nothing was predicted right.
func (s Score) Precision() float64 {
	switch {
	case s.FP == 0 && s.FN == 0:
		return 1
	case s.TP == 0 && s.FP == 0:
		return 0
	}
	return s.TP / (s.TP + s.FP)
}

// Recall is Precision with fn in place of fp.
func (s Score) Recall() float64 {
	switch {
	case s.FP == 0 && s.FN == 0:
		return 1
	case s.TP == 0 && s.FN == 0:
		return 0
	}
	return s.TP / (s.TP + s.FN)
}

// Result is the aggregate over a set of pages.
type Result struct {
	Pages                 int
	Precision, Recall, F1 float64
}

// Aggregate averages precision and recall over pages and takes F1 of the
// means, as the benchmark does.
func Aggregate(scores []Score) Result {
	r := Result{Pages: len(scores)}
	if len(scores) == 0 {
		return r
	}
	for _, s := range scores {
		r.Precision += s.Precision()
		r.Recall += s.Recall()
	}
	r.Precision /= float64(len(scores))
	r.Recall /= float64(len(scores))
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	return r
}
