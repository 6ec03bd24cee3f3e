package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// plainByte marks the ASCII bytes that are not whitespace: a sentence
// cannot start right after one, so the scans below skip them in a tight
// loop.
var plainByte = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c != ' ' && (c < '\t' || c > '\r')
	}
	return t
}()

// noStart reports, cheaply, that no sentence can start at s[p] (0 < p ≤
// len(s)): it follows an ASCII byte that is no whitespace, or ASCII
// whitespace before a lower-case ASCII letter. False means "maybe".
func noStart(s string, p int) bool {
	c := s[p-1]
	return plainByte[c] || c < utf8.RuneSelf && p < len(s) && 'a' <= s[p] && s[p] <= 'z'
}

// sentenceStart returns where the sentence holding s[hs] starts, looking
// back at most snippetMax runes; cut reports that the limit was reached,
// in which case the start is moved forward to a word boundary.
func sentenceStart(s string, hs int) (start int, cut bool) {
	p, n := hs, 0
	for p > 0 {
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
		if noStart(s, p) {
			// Nor at the positions further back that follow an ASCII byte
			// (one rune each) and cannot start a sentence.
			q, lim := p-1, max(0, p-(snippetMax-n))
			for q > lim && noStart(s, q) {
				q--
			}
			n, p = n+p-q, q
			continue
		}
		if boundary(s, p) {
			return p, false
		}
		_, size := utf8.DecodeLastRuneInString(s[:p])
		p -= size
		n++
	}
	return 0, false
}

// sentenceEnd returns where the sentence holding s[he-1] ends, looking
// ahead at most snippetMax runes; cut reports that the limit was reached,
// in which case the end is moved back to a word boundary.
func sentenceEnd(s string, he int) (end int, cut bool) {
	q, n := he, 0
	for q < len(s) {
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
		if q > he && !noStart(s, q) && boundary(s, q) {
			return q, false
		}
		if s[q] < utf8.RuneSelf && noStart(s, q+1) {
			// Skip the ASCII bytes after which no sentence can start.
			for q, n = q+1, n+1; q < len(s) && n < snippetMax && s[q] < utf8.RuneSelf && noStart(s, q+1); q, n = q+1, n+1 {
			}
			continue
		}
		_, size := utf8.DecodeRuneInString(s[q:])
		q += size
		n++
	}
	return len(s), false
}

// closers are the closing quotes and brackets that may follow a sentence
// terminator.
const closers = `"')]}»›”’」』）】〕〉》`

// fullStop reports whether s[:p] ends with a full-width terminator 。！？
// (optionally closed by quotes or brackets): Chinese and Japanese put no
// space after one, so it ends a sentence by itself.
func fullStop(s string, p int) bool {
	for p > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:p])
		switch {
		case r == '。' || r == '！' || r == '？':
			return true
		case !strings.ContainsRune(closers, r):
			return false
		}
		p -= size
	}
	return false
}

// boundary reports whether a sentence starts at s[p]: p follows whitespace
// that holds a blank line, or whitespace that follows a sentence
// terminator (optionally closed by quotes or brackets), or directly a
// full-width terminator, and s[p] is not a lower-case letter. A full stop after a single letter ("U.S.", "J.") is
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
		return fullStop(s, p)
	case newlines >= 2:
		return true
	}
	for q > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:q])
		if !strings.ContainsRune(closers, r) {
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
