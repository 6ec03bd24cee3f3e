package matcher

import (
	"bytes"
	"unicode/utf8"
)

// A text word can be read more than one way: as it stands, and without
// what attaches to it. Each reading is looked up in the dictionary; a
// reading counts only when it is a dictionary word, so nothing is ever
// stripped from a word unless the rest is a term. Every reading is tried
// (not the others only when the word itself is unknown) because the
// dictionary is shared: a word one watch lists must not hide an attached
// form another watch needs.
//
// Arabic attaches conjunctions, prepositions and the article: والهول "and
// al-Hol", بالهول "in al-Hol", للهول "for al-Hol" (ل + ال with the alef
// dropped). A word in Arabic script is also read without [و|ف][ب|ك|ل] and
// the article ال, keeping at least two letters.
//
// An apostrophe inside a word joins it ("Hay'at" is one word), but French
// and Italian elide an article or preposition before it (d'Idlib, l'Armée,
// dell'Isis) and Turkish attaches case endings after it to proper names
// (İdlib'de, Şam'dan). A word with an apostrophe is also read as its part
// after the last apostrophe when what precedes it is at most six letters,
// as its part before the first one when what follows is at most six
// letters, and as the part between the two.
//
// A reading that drops something at the front may only start a spelling,
// one that drops something at the end may only end it: "al Hol" is found in
// "d'al-Hol", but "Hol camp" is not found in "Hol d'camp".

// symRef is one reading of a text word that is in the dictionary.
type symRef struct {
	sym        int32
	start, end int  // the reading's span in the original
	follow     bool // may be a later word of a spelling
	cont       bool // may be followed by more words of a spelling
}

// maxAffix is the longest elided word or case ending, in runes.
const maxAffix = 6

// The clitic letters, folded (UTF-8, two bytes each).
var (
	arWaw     = []byte("و")
	arFa      = []byte("ف")
	arBa      = []byte("ب")
	arKaf     = []byte("ك")
	arLam     = []byte("ل")
	arAlef    = []byte("ا")
	arArticle = []byte("ال")
	// conjunctions, then prepositions, that may come before the article
	arConj = [][]byte{nil, arWaw, arFa}
	arPrep = [][]byte{nil, arBa, arKaf, arLam}
)

// isArabicLead reports whether c is the first byte of a rune in the
// Arabic block (U+0600–U+06FF).
func isArabicLead(c byte) bool { return c >= 0xD8 && c <= 0xDB }

// lookup finds every dictionary reading of the finished word z.cur
// (match mode), whose exact symbol is sym (or -1), keeps the token when
// there is any, and empties the buffer.
func (z *tokenizer) lookup(sym int32) {
	word := z.buf[z.cur.fstart:]
	off := len(z.syms)
	d := z.dict
	if s := sym; s >= 0 {
		z.syms = append(z.syms, symRef{sym: s, start: z.cur.start, end: z.cur.end, follow: true, cont: true})
	}
	if d.prefix.nodes != nil {
		z.found = d.prefix.walk(word, z.found[:0])
		for _, s := range z.found {
			z.syms = append(z.syms, symRef{sym: s, start: z.cur.start, end: z.cur.end, follow: true, cont: true})
		}
	}
	if d.arabic && isArabicLead(word[0]) {
		z.clitics(word, off)
	}
	if len(z.joined) > 0 {
		z.apostrophes(word, off)
	}
	if n := len(z.syms) - off; n > 0 {
		z.cur.sym, z.cur.nsym = int32(off), int32(n)
		z.toks = append(z.toks, z.cur)
	}
	z.buf = z.buf[:z.cur.fstart]
}

// read appends the readings of word not yet among z.syms[off:].
func (z *tokenizer) read(word []byte, off, start, end int, follow, cont bool) {
	z.found = z.dict.lookup(word, z.found[:0])
	for _, s := range z.found {
		dup := false
		for _, r := range z.syms[off:] {
			dup = dup || r.sym == s && r.start == start && r.end == end
		}
		if !dup {
			z.syms = append(z.syms, symRef{sym: s, start: start, end: end, follow: follow, cont: cont})
		}
	}
}

// clitics reads an Arabic word without attached conjunction, preposition
// and article.
func (z *tokenizer) clitics(word []byte, off int) {
	try := func(r []byte) {
		if len(r) >= 4 && isArabicLead(r[0]) {
			z.read(r, off, z.cur.start, z.cur.end, false, true)
		}
	}
	for _, c := range arConj {
		if !bytes.HasPrefix(word, c) {
			continue
		}
		for _, p := range arPrep {
			rest := word[len(c):]
			if !bytes.HasPrefix(rest, p) {
				continue
			}
			rest = rest[len(p):]
			if len(c)+len(p) > 0 {
				try(rest)
			}
			if bytes.HasPrefix(rest, arArticle) {
				try(rest[len(arArticle):])
			}
			if bytes.Equal(p, arLam) && bytes.HasPrefix(rest, arLam) {
				// ل + ال is written لل: restore the article's alef, or drop
				// the article altogether.
				z.tmp = append(append(z.tmp[:0], arAlef...), rest...)
				try(z.tmp)
				try(rest[len(arLam):])
			}
		}
	}
}

// apostrophes reads a word with joined apostrophes without an elided word
// before them or an ending after them.
func (z *tokenizer) apostrophes(word []byte, off int) {
	first, last := z.joined[0], z.joined[len(z.joined)-1]
	fo, lo := first.folded-int(z.cur.fstart), last.folded-int(z.cur.fstart)
	short := func(b []byte) bool { return utf8.RuneCount(b) <= maxAffix }
	if short(word[fo+1:]) {
		z.read(word[:fo], off, z.cur.start, first.orig, true, false)
	}
	if short(word[:lo]) {
		z.read(word[lo+1:], off, last.origEnd, z.cur.end, false, true)
	}
	if fo < lo && short(word[:fo]) && short(word[lo+1:]) {
		z.read(word[fo+1:lo], off, first.origEnd, last.orig, false, false)
	}
}
