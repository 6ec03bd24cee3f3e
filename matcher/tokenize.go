package matcher

import (
	"strings"
	"unicode/utf8"
)

// token is one word of a text: its folded form, which lives in the
// tokenizer's buffer, and where it came from in the original string.
type token struct {
	start, end   int // byte span in the original string (possessive excluded)
	fstart, fend int // byte span of the folded form in tokenizer.buf
	gap          gap // strongest separator between the previous token and this one
}

// apos remembers an apostrophe joined into the current token, so that a
// possessive "'s" can be cut off again when the token ends.
type apos struct {
	folded int // offset of the apostrophe in buf
	orig   int // byte offset of the apostrophe rune in the original
}

// tokenizer turns a string into a stream of folded tokens. It is not safe
// for concurrent use; the Matcher keeps a pool of them. The zero value is
// ready to use.
type tokenizer struct {
	buf  []byte
	toks []token

	start, end int // span of the original rune being folded

	in      bool  // a token is open
	cur     token // the open token
	pending int   // original offset of an apostrophe that may join the open token, or -1
	gap     gap   // strongest separator since the last token
	joined  []apos
}

// tokenize folds s and appends its tokens; reset first to start afresh.
func (z *tokenizer) tokenize(s string) {
	z.in, z.pending, z.gap, z.joined = false, -1, gapNone, z.joined[:0]
	for i := 0; i < len(s); {
		// Fast path: an ASCII letter or digit continuing an open word.
		if c := s[i]; z.in && z.pending < 0 && isASCIIWord(c) {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			z.buf = append(z.buf, c)
			i++
			z.cur.end = i
			continue
		}
		i += z.feed(s, i)
	}
	z.finish()
}

func isASCIIWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (z *tokenizer) reset() {
	z.buf, z.toks = z.buf[:0], z.toks[:0]
}

// folded returns the folded form of t. The string shares memory with the
// tokenizer's buffer: use it before the next reset and never keep it.
func (z *tokenizer) folded(t token) []byte { return z.buf[t.fstart:t.fend] }

// wordByte and wordRune append one folded word rune to the open token,
// opening one if needed. An apostrophe waiting between two word runes is
// joined into the word here ("Hay'at" is one token).
func (z *tokenizer) wordByte(c byte) {
	z.open()
	z.buf = append(z.buf, c)
}

func (z *tokenizer) wordRune(r rune) {
	z.open()
	z.buf = utf8.AppendRune(z.buf, r)
}

func (z *tokenizer) open() {
	switch {
	case !z.in:
		z.in = true
		z.cur = token{start: z.start, fstart: len(z.buf), gap: z.gap}
	case z.pending >= 0:
		z.joined = append(z.joined, apos{folded: len(z.buf), orig: z.pending})
		z.buf = append(z.buf, '\'')
		z.pending = -1
	}
	z.cur.end = z.end
}

// apostrophe joins two word runs when a word rune follows it; anywhere else
// it is a soft separator (a quote mark).
func (z *tokenizer) apostrophe() {
	if z.in && z.pending < 0 {
		z.pending = z.start
		return
	}
	z.separator(gapSoft)
}

// separator closes the open token and records the separator's strength.
func (z *tokenizer) separator(g gap) {
	z.finish()
	z.gap = max(z.gap, g)
}

// finish closes the open token. A trailing possessive ('s, ’s) is cut off,
// repeatedly, so that "CENTCOM’s" yields the token "centcom" spanning
// "CENTCOM"; the possessive then counts as a hard gap.
func (z *tokenizer) finish() {
	if z.pending >= 0 {
		z.pending = -1
		z.gap = max(z.gap, gapSoft)
	}
	if !z.in {
		return
	}
	z.in = false
	possessive := false
	for n := len(z.joined); n > 0 && len(z.buf) == z.joined[n-1].folded+2 && z.buf[len(z.buf)-1] == 's'; n-- {
		z.buf = z.buf[:z.joined[n-1].folded]
		z.cur.end = z.joined[n-1].orig
		possessive = true
	}
	z.joined = z.joined[:0]
	z.cur.fend = len(z.buf)
	z.toks = append(z.toks, z.cur)
	z.gap = gapNone
	if possessive {
		z.gap = gapHard
	}
}

// Normalize returns the comparison key of s: its words folded as the
// package documentation describes, possessives removed, joined by single
// spaces. Two spellings match as a term exactly when their keys are equal
// and their separators agree (see the package documentation). Normalize is
// idempotent and always returns valid UTF-8; the result is a key, not text
// for display.
func Normalize(s string) string {
	var z tokenizer
	z.tokenize(s)
	var b strings.Builder
	b.Grow(len(z.buf) + len(z.toks))
	for i, t := range z.toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(z.folded(t))
	}
	return b.String()
}
