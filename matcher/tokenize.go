package matcher

import (
	"strings"
	"unicode/utf8"
)

// token is one word of a text and where it came from in the original
// string. In collect mode (no dictionary) fstart:fend is its folded form in
// the tokenizer's buffer; in match mode sym:sym+nsym are its dictionary
// symbols in tokenizer.syms, and only words with symbols are kept.
type token struct {
	start, end   int   // byte span in the original string (possessive excluded)
	fstart, fend int32 // collect mode: folded form in tokenizer.buf
	sym, nsym    int32 // match mode: symbols in tokenizer.syms
	idx          int32 // position of the word among all words of the string
	gap          gap   // strongest separator between the previous word and this one
}

// apos remembers an apostrophe joined into the current token, so that a
// possessive "'s" can be cut off again when the token ends.
type apos struct {
	folded        int // offset of the apostrophe in buf
	orig, origEnd int // byte span of the apostrophe rune in the original
}

// tokenizer turns a string into a stream of folded words. It is not safe
// for concurrent use; the Matcher keeps a pool of them. The zero value
// folds case and collects every word.
type tokenizer struct {
	buf  []byte
	toks []token
	// Match mode: when dict is set, each finished word is looked up at once
	// and kept only when it has symbols, and buf holds the open word only.
	dict  *dict
	syms  []symRef
	found []int32 // scratch for dictionary look-ups
	tmp   []byte  // scratch for Arabic clitic remainders
	// keepCase folds everything except letter case (for case-sensitive
	// spellings).
	keepCase bool
	words    int32 // words finished so far

	start, end int // span of the original rune being folded

	in      bool  // a token is open
	cjk     bool  // ... and it is one Han or kana character, a word of its own
	cur     token // the open token
	pending int   // original offset of an apostrophe that may join the open token, or -1
	pendEnd int   // ... and where it ends
	gap     gap   // strongest separator since the last token
	joined  []apos
}

// asciiFold maps an ASCII letter or digit to its folded byte and every
// other byte to 0; asciiKeep does the same without folding case. They are
// the fast path: most of a news text is ASCII words.
var asciiFold, asciiKeep = func() (fold, keep [256]byte) {
	for c := '0'; c <= '9'; c++ {
		fold[c], keep[c] = byte(c), byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		fold[c], keep[c] = byte(c), byte(c)
		fold[c-'a'+'A'], keep[c-'a'+'A'] = byte(c), byte(c-'a'+'A')
	}
	return fold, keep
}()

// tokenize folds s and appends its words; reset first to start afresh.
func (z *tokenizer) tokenize(s string) {
	z.in, z.pending, z.gap, z.joined, z.words = false, -1, gapNone, z.joined[:0], 0
	tab := &asciiFold
	if z.keepCase {
		tab = &asciiKeep
	}
	fast := z.dict != nil
	for i := 0; i < len(s); {
		c := s[i]
		if fast && !z.in {
			// Match mode, between words: handle a whole ASCII word, and a
			// space, without the general machinery.
			if c == ' ' {
				z.gap = max(z.gap, gapSoft)
				i++
				continue
			}
			if tab[c] != 0 {
				i = z.asciiWords(s, i)
				continue
			}
		}
		if tab[c] != 0 && z.pending < 0 {
			if z.cjk {
				// A Han or kana word ends here; the letters start a
				// new word, on the fast path once more.
				z.finish()
				continue
			}
			// Fast path: a run of ASCII letters and digits.
			if !z.in {
				z.start, z.end = i, i+1
				z.open()
			}
			buf, j := z.buf, i
			for ; j < len(s); j++ {
				f := tab[s[j]]
				if f == 0 {
					break
				}
				buf = append(buf, f)
			}
			z.buf, z.cur.end, i = buf, j, j
			continue
		}
		if c < utf8.RuneSelf {
			z.start, z.end = i, i+1
			z.ascii(c)
			i++
			continue
		}
		i += z.feed(s, i)
	}
	z.finish()
}

func (z *tokenizer) reset() {
	z.buf, z.toks, z.syms = z.buf[:0], z.toks[:0], z.syms[:0]
}

// folded returns the folded form of t (collect mode). The slice shares
// memory with the tokenizer's buffer: use it before the next reset and
// never keep it.
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
	if z.cjk {
		z.finish() // a Han or kana character is a word of its own
	}
	switch {
	case !z.in:
		z.in = true
		z.cur = token{start: z.start, fstart: int32(len(z.buf)), gap: z.gap}
	case z.pending >= 0:
		z.joined = append(z.joined, apos{folded: len(z.buf), orig: z.pending, origEnd: z.pendEnd})
		z.buf = append(z.buf, '\'')
		z.pending = -1
	}
	z.cur.end = z.end
}

// apostrophe joins two word runs when a word rune follows it; anywhere else
// it is a soft separator (a quote mark).
func (z *tokenizer) apostrophe() {
	if z.in && z.pending < 0 && !z.cjk {
		z.pending, z.pendEnd = z.start, z.end
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
	z.in, z.cjk = false, false
	possessive := false
	for n := len(z.joined); n > 0 && len(z.buf) == z.joined[n-1].folded+2 && (z.buf[len(z.buf)-1]|0x20) == 's'; n-- {
		z.buf = z.buf[:z.joined[n-1].folded]
		z.cur.end = z.joined[n-1].orig
		z.joined = z.joined[:n-1]
		possessive = true
	}
	z.cur.fend = int32(len(z.buf))
	z.cur.idx = z.words
	z.words++
	if z.dict != nil {
		z.lookup(z.dict.words.get(z.buf[z.cur.fstart:]))
	} else {
		z.toks = append(z.toks, z.cur)
	}
	z.joined = z.joined[:0]
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
	return z.join(s)
}

// join tokenizes s afresh (collect mode) and returns its folded words
// joined by single spaces.
func (z *tokenizer) join(s string) string {
	z.reset()
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
