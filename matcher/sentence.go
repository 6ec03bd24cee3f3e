package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentenceStart returns where the sentence holding s[hs] starts, looking
// back at most snippetMax runes; cut reports that the limit was reached,
// in which case the start is moved forward to a word boundary.
func sentenceStart(s string, hs int) (start int, cut bool) {
	p := hs
	for n := 0; p > 0; n++ {
		if n == snippetMax {
			for q := p; q < hs; {
				r, size := utf8.DecodeRuneInString(s[q:])
				if unicode.IsSpace(r) {
					return q, true
				}
				q += size
			}
			return hs, true
		}
		if c := s[p-1]; c < utf8.RuneSelf {
			// A sentence starts only after whitespace: skip the boundary
			// test after any other ASCII byte.
			if (c == ' ' || '\t' <= c && c <= '\r') && boundary(s, p) {
				return p, false
			}
			p--
		} else {
			if boundary(s, p) {
				return p, false
			}
			_, size := utf8.DecodeLastRuneInString(s[:p])
			p -= size
		}
	}
	return 0, false
}

// sentenceEnd returns where the sentence holding s[he-1] ends, looking
// ahead at most snippetMax runes; cut reports that the limit was reached,
// in which case the end is moved back to a word boundary.
func sentenceEnd(s string, he int) (end int, cut bool) {
	q := he
	for n := 0; q < len(s); n++ {
		if n == snippetMax {
			for p := q; p > he; {
				r, size := utf8.DecodeLastRuneInString(s[:p])
				if unicode.IsSpace(r) {
					return p, true
				}
				p -= size
			}
			return he, true
		}
		if c := s[q-1]; q > he && (c >= utf8.RuneSelf || c == ' ' || '\t' <= c && c <= '\r') && boundary(s, q) {
			return q, false
		}
		if s[q] < utf8.RuneSelf {
			q++
		} else {
			_, size := utf8.DecodeRuneInString(s[q:])
			q += size
		}
	}
	return len(s), false
}

// boundary reports whether a sentence starts at s[p]: p follows whitespace
// that holds a blank line, or whitespace that follows a sentence
// terminator (optionally closed by quotes or brackets), and s[p] is not a
// lower-case letter. A full stop after a single letter ("U.S.", "J.") is
// an initial, not a terminator.
func boundary(s string, p int) bool {
	if p >= len(s) || p == 0 {
		return false
	}
	// Fast path: most positions hold an ASCII lower-case letter or space,
	// or follow an ASCII character that is not whitespace.
	if c := s[p]; c < utf8.RuneSelf {
		if c == ' ' || '\t' <= c && c <= '\r' || 'a' <= c && c <= 'z' {
			return false
		}
	} else if r, _ := utf8.DecodeRuneInString(s[p:]); unicode.IsSpace(r) || unicode.IsLower(r) {
		return false
	}
	if c := s[p-1]; c < utf8.RuneSelf && c != ' ' && (c < '\t' || c > '\r') {
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
		return false
	case newlines >= 2:
		return true
	}
	for q > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:q])
		if !strings.ContainsRune(`"')]}»›”’`, r) {
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
