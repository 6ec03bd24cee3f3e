package matcher

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The fast path handles what most of a news text is, an ASCII word
// between ASCII separators, eight bytes at a time and without copying it:
// ASCII letters and digits fold by setting bit 0x20 (digits have it
// already), so the word's hash and its first bytes can be computed from
// the text itself. Only a word that may be in the dictionary (the hash
// passes the filter, or its first bytes begin a prefix) is folded into the
// buffer for the exact look-up. Anything else (a non-ASCII rune or an
// apostrophe right after the word) goes the general way.

const (
	lsb      = 0x0101010101010101
	msb      = 0x8080808080808080
	caseBits = 0x2020202020202020
)

// load64 reads s[i:i+8] little-endian; the caller checks the bounds.
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// atLeast sets the high bit of each byte of x that is ≥ c, for bytes
// below 0x80 (the result for other bytes is not used).
func atLeast(x uint64, c byte) uint64 { return ((x | msb) - lsb*uint64(c)) & msb }

// wordBytes sets the high bit of each byte of x that is an ASCII letter or
// digit.
func wordBytes(x uint64) uint64 {
	l := x | caseBits
	letter := atLeast(l, 'a') &^ atLeast(l, 'z'+1)
	digit := atLeast(x, '0') &^ atLeast(x, '9'+1)
	return (letter | digit) &^ x & msb
}

// Hash constants (from wyhash).
const k0, k1 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db

func mix(h, x uint64) uint64 {
	hi, lo := bits.Mul64(h^x, k1)
	return hi ^ lo
}

// finish mixes the last 0–7 bytes of a word (rem, little-endian) and its
// length n into h.
func finish(h, rem uint64, n int) uint64 { return mix(h^uint64(n)*k0, rem^k0) }

// hashWord is a small multiply-mix hash (in the style of wyhash) over 8
// bytes at a time: text words are short, and a general-purpose hash call
// cost as much as the rest of the look-up. Every full 8 bytes are mixed in
// turn, then the remaining 0–7 with the length, so that scanWord can hash
// a word while it looks for its end. Text words only probe the table, so
// crafted text cannot degrade it; the seed is random anyway.
func hashWord(seed uint64, b []byte) uint64 {
	h, n := seed, len(b)
	for ; len(b) >= 8; b = b[8:] {
		h = mix(h, binary.LittleEndian.Uint64(b))
	}
	var rem uint64
	if cap(b) >= 8 {
		// Read the last bytes at once from the spare capacity and mask
		// off what lies beyond the word.
		rem = binary.LittleEndian.Uint64(b[:8]) & (1<<(8*len(b)) - 1)
	} else {
		for i, c := range b {
			rem |= uint64(c) << (8 * i)
		}
	}
	return finish(h, rem, n)
}

// scanWord finds the end j of the run of ASCII letters and digits that
// starts at s[i], and returns it with hashWord of the folded run.
func scanWord(seed uint64, s string, i int) (j int, h uint64) {
	h, start := seed, i
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i)
		if stop := ^wordBytes(x) & msb; stop != 0 {
			n := bits.TrailingZeros64(stop) / 8
			return i + n, finish(h, (x|caseBits)&(1<<(8*n)-1), i+n-start)
		}
		h = mix(h, x|caseBits)
	}
	var rem uint64
	for j = i; j < len(s) && asciiFold[s[j]] != 0; j++ {
		rem |= uint64(s[j]|0x20) << (8 * (j - i))
	}
	return j, finish(h, rem, j-start)
}

// asciiWords handles the run of ASCII letters and digits at s[i:] (match
// mode, no word open), and the words after it as long as only ASCII
// separators (spaces, punctuation, not apostrophes) come between them. A
// word followed by what cannot continue it is finished and looked up at
// once; otherwise it is folded into the buffer and left open for the
// general path. It returns where it stopped.
func (z *tokenizer) asciiWords(s string, i int) int {
	d := z.dict
	for {
		j, h := scanWord(d.words.seed, s, i)
		if j < len(s) && (s[j] >= utf8.RuneSelf || s[j] == '\'' || s[j] == '`') {
			z.foldASCII(s, i, j)
			z.in = true // a letter, mark, joiner or apostrophe may follow
			z.cur = token{start: i, end: j, gap: z.gap}
			return j
		}
		if d.words.mayHold(h) || d.prefix.mayStart(s, i, j) {
			z.foldASCII(s, i, j)
			z.cur = token{start: i, end: j, fend: int32(j - i), idx: z.words, gap: z.gap}
			z.lookup(d.words.getHashed(h, z.buf))
		}
		z.words++
		// Skip the ASCII separators that follow, keeping the strongest.
		g := gapNone
		for ; j < len(s) && sepClass[s[j]] != 0; j++ {
			g = max(g, sepClass[s[j]])
		}
		z.gap = g
		if j == len(s) || asciiFold[s[j]] == 0 {
			return j // the end, an apostrophe or a non-ASCII rune
		}
		i = j
	}
}

// sepClass is the separator strength of an ASCII byte that only
// separates (as tokenizer.ascii treats it), or 0 for word bytes,
// apostrophes and non-ASCII bytes.
var sepClass = func() (t [256]gap) {
	for c := range utf8.RuneSelf {
		switch {
		case asciiFold[c] != 0, c == '\'', c == '`':
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f', c == '-', c == '"':
			t[c] = gapSoft
		default:
			t[c] = gapHard
		}
	}
	return t
}()

// foldASCII puts the folded ASCII word s[i:j] into the (empty) buffer,
// with 8 bytes of spare capacity for hashWord.
func (z *tokenizer) foldASCII(s string, i, j int) {
	if cap(z.buf) < j-i+8 {
		z.buf = make([]byte, 0, 2*(j-i)+8)
	}
	buf := z.buf[:j-i]
	for k := range buf {
		buf[k] = s[i+k] | 0x20
	}
	z.buf = buf
}
