package matcher

// The issue-2 snippet implementation, kept as the oracle that the faster
// one (snippet.go) must agree with exactly.

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// refSnippetMax is the longest snippet, in runes, ellipses included.
const refSnippetMax = snippetMax

// snippet returns the sentence of s around the hit s[hs:he]: whitespace
// collapsed to single spaces, at most refSnippetMax runes, and when cut, cut
// at spaces and marked with "…".
func refSnippet(s string, hs, he int) string {
	ss, cutL := refSentenceStart(s, hs)
	se, cutR := refSentenceEnd(s, he)
	left := []rune(strings.TrimLeft(refCollapse(s[ss:hs]), " "))
	mid := []rune(refCollapse(s[hs:he]))
	right := []rune(strings.TrimRight(refCollapse(s[he:se]), " "))
	switch {
	case len(left)+len(mid)+len(right)+refEllipses(cutL, cutR) <= refSnippetMax:
	case len(mid) > refSnippetMax-2: // a giant hit: no room for context
		return string(mid[:min(len(mid), refSnippetMax-1)]) + "…"
	default:
		avail := refSnippetMax - len(mid) - 2 // room for both ellipses
		keepR := min(len(right), max(avail/2, avail-len(left)))
		keepL := min(len(left), avail-keepR)
		if keepL < len(left) {
			left, cutL = refTrimLeftWord(left[len(left)-keepL:], left[len(left)-keepL-1]), true
		}
		if keepR < len(right) {
			right, cutR = refTrimRightWord(right[:keepR], right[keepR]), true
		}
	}
	var b strings.Builder
	if cutL {
		b.WriteString("…")
	}
	b.WriteString(string(left))
	b.WriteString(string(mid))
	b.WriteString(string(right))
	if cutR {
		b.WriteString("…")
	}
	return b.String()
}

func refEllipses(l, r bool) int {
	n := 0
	if l {
		n++
	}
	if r {
		n++
	}
	return n
}

// trimLeftWord drops a partial word at the start of kept; before is the rune
// that was cut off just before it.
func refTrimLeftWord(kept []rune, before rune) []rune {
	if before != ' ' && len(kept) > 0 && kept[0] != ' ' {
		i := slices.Index(kept, ' ')
		if i < 0 {
			return nil
		}
		kept = kept[i:]
	}
	for len(kept) > 0 && kept[0] == ' ' {
		kept = kept[1:]
	}
	return kept
}

// trimRightWord drops a partial word at the end of kept; after is the rune
// that was cut off just after it.
func refTrimRightWord(kept []rune, after rune) []rune {
	if after != ' ' && len(kept) > 0 && kept[len(kept)-1] != ' ' {
		i := refLastSpace(kept)
		if i < 0 {
			return nil
		}
		kept = kept[:i]
	}
	for len(kept) > 0 && kept[len(kept)-1] == ' ' {
		kept = kept[:len(kept)-1]
	}
	return kept
}

func refLastSpace(rs []rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == ' ' {
			return i
		}
	}
	return -1
}

// collapse turns every run of whitespace and control characters into one
// space and invalid UTF-8 into U+FFFD, keeping a leading or trailing space.
func refCollapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// sentenceStart returns where the sentence holding s[hs] starts, looking
// back at most refSnippetMax runes; cut reports that the limit was reached,
// in which case the start is moved forward to a word boundary.
func refSentenceStart(s string, hs int) (start int, cut bool) {
	p := hs
	for n := 0; p > 0; n++ {
		if n == refSnippetMax {
			for q := p; q < hs; {
				r, size := utf8.DecodeRuneInString(s[q:])
				if unicode.IsSpace(r) {
					return q, true
				}
				q += size
			}
			return hs, true
		}
		_, size := utf8.DecodeLastRuneInString(s[:p])
		if refBoundary(s, p) {
			return p, false
		}
		p -= size
	}
	return 0, false
}

// sentenceEnd returns where the sentence holding s[he-1] ends, looking
// ahead at most refSnippetMax runes; cut reports that the limit was reached,
// in which case the end is moved back to a word boundary.
func refSentenceEnd(s string, he int) (end int, cut bool) {
	q := he
	for n := 0; q < len(s); n++ {
		if n == refSnippetMax {
			for p := q; p > he; {
				r, size := utf8.DecodeLastRuneInString(s[:p])
				if unicode.IsSpace(r) {
					return p, true
				}
				p -= size
			}
			return he, true
		}
		if q > he && refBoundary(s, q) {
			return q, false
		}
		_, size := utf8.DecodeRuneInString(s[q:])
		q += size
	}
	return len(s), false
}

// boundary reports whether a sentence starts at s[p]: p follows whitespace
// that holds a blank line, or whitespace that follows a sentence
// terminator (optionally closed by quotes or brackets), or directly a
// full-width terminator 。！？, and s[p] is not a lower-case letter. A full
// stop after a single letter ("U.S.", "J.") is an initial, not a
// terminator.
func refBoundary(s string, p int) bool {
	if p >= len(s) || p == 0 {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[p:]); unicode.IsSpace(r) || unicode.IsLower(r) {
		return false
	}
	q, newlines := p, 0
	for q > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:q])
		if !unicode.IsSpace(r) {
			break
		}
		if r == '\n' {
			newlines++
		}
		q -= size
	}
	switch {
	case q == p:
		// No whitespace: only a full-width terminator, perhaps closed.
		t := []rune(s[:p])
		i := len(t) - 1
		for i >= 0 && strings.ContainsRune(`"')]}»›”’」』）】〕〉》`, t[i]) {
			i--
		}
		return i >= 0 && strings.ContainsRune("。！？", t[i])
	case newlines >= 2:
		return true
	}
	for q > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:q])
		if !strings.ContainsRune(`"')]}»›”’」』）】〕〉》`, r) {
			break
		}
		q -= size
	}
	r, size := utf8.DecodeLastRuneInString(s[:q])
	if !strings.ContainsRune(".!?…؟۔。！？", r) {
		return false
	}
	if r == '.' {
		before, n := utf8.DecodeLastRuneInString(s[:q-size])
		if unicode.IsLetter(before) {
			prev, _ := utf8.DecodeLastRuneInString(s[:q-size-n])
			if !unicode.IsLetter(prev) {
				return false
			}
		}
	}
	return true
}
