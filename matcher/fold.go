package matcher

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// gap is the kind of separator between two tokens. Kinds are ordered: when
// several separators stand between two words, the strongest one counts.
type gap uint8

const (
	// gapNone: no separator seen yet (only before the first token).
	gapNone gap = iota
	// gapSoft: whitespace of any kind, hyphens and dashes, quotation marks
	// and stray apostrophes. All soft gaps are equivalent inside a term, so
	// "al-Hol" = "al Hol" = "al\nHol".
	gapSoft
	// gapHard: any other punctuation or symbol (. , ; / ( …), and the end
	// of a possessive. A term written with only soft gaps does not span a
	// hard one: "Islamic State" does not match "Islamic. State".
	gapHard
	// gapBreak: invalid UTF-8. No term spans it, so every reported surface
	// form is valid UTF-8.
	gapBreak
)

// The folding functions below map one rune of the original text to what it
// contributes to the token stream: word runes (already folded), apostrophes,
// separators, or nothing. They are methods of the tokenizer because they
// emit straight into it, which keeps the hot path free of allocations.

// feed folds the rune starting at s[i] and returns its width in bytes.
func (z *tokenizer) feed(s string, i int) int {
	if c := s[i]; c < utf8.RuneSelf {
		z.start, z.end = i, i+1
		z.ascii(c)
		return 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	z.start, z.end = i, i+n
	if r == utf8.RuneError && n == 1 {
		z.separator(gapBreak)
		return 1
	}
	if z.special(r) {
		return n
	}
	d := norm.NFKD.PropertiesString(s[i:]).Decomposition()
	if d == nil {
		z.generic(r, true)
		return n
	}
	z.pieces(d, true)
	return n
}

// pieces folds every rune of a decomposition. recurse says whether a case
// mapping of a piece may be decomposed once more.
func (z *tokenizer) pieces(d []byte, recurse bool) {
	for len(d) > 0 {
		c, m := utf8.DecodeRune(d)
		d = d[m:]
		if !z.special(c) {
			z.generic(c, recurse)
		}
	}
}

// ascii handles the common case without any table lookup.
func (z *tokenizer) ascii(c byte) {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		z.wordByte(c)
	case 'A' <= c && c <= 'Z':
		if !z.keepCase {
			c += 'a' - 'A'
		}
		z.wordByte(c)
	case c == '\'' || c == '`':
		z.apostrophe()
	case c == ' ', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f', c == '-', c == '"':
		z.separator(gapSoft)
	default:
		z.separator(gapHard)
	}
}

// special applies the rules that NFKD and case mapping do not give, before
// decomposition (so that U+00B4 ´, which NFKD turns into a space and a mark,
// still counts as an apostrophe). It reports whether it handled r.
func (z *tokenizer) special(r rune) bool {
	switch r {
	// Apostrophes, typographic and transliteration ones: ’ ‘ ‛ ʼ ʻ ʽ ʾ ʿ ′ ´ ＇ ｀.
	case '\u2019', '\u2018', '\u201B', '\u02BC', '\u02BB', '\u02BD', '\u02BE', '\u02BF',
		'\u2032', '\u00B4', '\uFF07', '\uFF40':
		z.apostrophe()
	// Arabic folds beyond NFKD: alef wasla → alef, alef maqsura → yeh,
	// teh marbuta → heh; Farsi yeh → yeh and keheh → kaf.
	case '\u0671':
		z.wordRune('\u0627')
	case '\u0649', '\u06CC':
		z.wordRune('\u064A')
	case '\u0629':
		z.wordRune('\u0647')
	case '\u06A9':
		z.wordRune('\u0643')
	// Tatweel (kashida) stretches a word; soft hyphen marks where it may
	// break. Neither separates.
	case '\u0640', '\u00AD':
	// Zero-width space separates words (Thai, Khmer) although it is a
	// format character.
	case '\u200B':
		z.separator(gapSoft)
	// The katakana middle dot (and its half-width form) joins the parts of
	// a transcribed name like a hyphen: ドナルド・トランプ.
	case '\u30FB', '\uFF65':
		z.separator(gapSoft)
	// Full case folding: ß and ẞ fold to "ss"; the Greek iota subscript
	// (ypogegrammeni) folds to iota rather than being dropped as a mark.
	case '\u00DF':
		z.wordByte('s')
		z.wordByte('s')
	case '\u1E9E':
		c := byte('s')
		if z.keepCase {
			c = 'S'
		}
		z.wordByte(c)
		z.wordByte(c)
	case '\u0345':
		z.wordRune('\u03B9')
	default:
		return false
	}
	return true
}

// generic folds a rune that has no decomposition (or is a piece of one).
func (z *tokenizer) generic(c rune, recurse bool) {
	switch {
	case c < utf8.RuneSelf:
		z.ascii(byte(c))
	case isCJK(c):
		z.cjkRune(c)
	case isKanaMark(c):
		z.kanaMark(c)
	case unicode.Is(unicode.Mn, c), unicode.Is(unicode.Cf, c):
		// Nonspacing marks (accents, harakat, hamza above/below once
		// decomposed) and format characters (joiners, bidi marks) vanish.
	case unicode.IsLetter(c):
		f := c
		if !z.keepCase {
			f = unicode.ToLower(unicode.ToUpper(c))
		}
		if f != c && recurse {
			var b [utf8.UTFMax]byte
			if d := norm.NFKD.Properties(utf8.AppendRune(b[:0], f)).Decomposition(); d != nil {
				z.pieces(d, false)
				return
			}
		}
		z.wordRune(f)
	case unicode.IsDigit(c):
		z.wordByte(byte('0' + digitValue(c)))
	case unicode.IsMark(c), unicode.IsNumber(c):
		z.wordRune(c)
	case unicode.IsSpace(c), unicode.Is(unicode.Dash, c), unicode.Is(unicode.Quotation_Mark, c):
		z.separator(gapSoft)
	default:
		z.separator(gapHard)
	}
}

// digitValue returns the value of a decimal digit in any script. Unicode
// guarantees that decimal digits (category Nd) come in contiguous runs of
// ten from zero to nine, so the value is the distance from the start of
// the block of adjacent digits, modulo ten.
func digitValue(c rune) int {
	n := 0
	for unicode.IsDigit(c - rune(n) - 1) {
		n++
	}
	return n % 10
}
