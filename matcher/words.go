package matcher

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
)

// wordTable maps folded words to symbols: open addressing over 64-bit
// hashes, with the upper half of the hash kept in the slot as a tag so that
// a miss rarely touches the keys. Most text words are not in the
// dictionary, and at 10,000 terms the slots outgrow the processor's
// nearest caches, so a small bit filter (two bits per word, both in one
// 64-bit word of the filter so that one load answers) answers most
// misses first.
type wordTable struct {
	seed   uint64
	slots  []uint64 // tag<<32 | entry+1; 0 is empty
	mask   uint64
	filter []uint64
	fmask  uint64 // word index mask of filter
	keys   []byte
	ents   []wordEntry
}

type wordEntry struct {
	off, len uint32
	sym      int32
}

func newWordTable() wordTable {
	t := wordTable{seed: rand.Uint64()}
	t.resize(16)
	return t
}

// mayHold reports whether a word with hash h may be in the table: false
// means it is not.
func (t *wordTable) mayHold(h uint64) bool {
	bits := filterBits(h)
	return t.filter[h>>40&t.fmask]&bits == bits
}

func (t *wordTable) get(w []byte) int32 { return t.getHashed(hashWord(t.seed, w), w) }

// getHashed is get for a word whose hash is h.
func (t *wordTable) getHashed(h uint64, w []byte) int32 {
	if !t.mayHold(h) {
		return -1
	}
	tag := h >> 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s>>32 == tag {
			e := &t.ents[uint32(s)-1]
			if bytes.Equal(t.keys[e.off:e.off+e.len], w) {
				return e.sym
			}
		}
	}
}

// intern returns the symbol of w, allocating one with newSym if needed.
func (t *wordTable) intern(w []byte, newSym func() int32) int32 {
	if s := t.get(w); s >= 0 {
		return s
	}
	if 2*(len(t.ents)+1) > len(t.slots) {
		t.resize(2 * len(t.slots))
	}
	e := wordEntry{off: uint32(len(t.keys)), len: uint32(len(w)), sym: newSym()}
	t.keys = append(t.keys, w...)
	t.keys = append(t.keys, make([]byte, 8)...)[:len(t.keys)] // spare capacity for hashWord
	t.ents = append(t.ents, e)
	t.place(hashWord(t.seed, w), uint64(len(t.ents)))
	return e.sym
}

func (t *wordTable) place(h, ent uint64) {
	i := h & t.mask
	for t.slots[i] != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = h>>32<<32 | ent
	t.filter[h>>40&t.fmask] |= filterBits(h)
}

// filterBits are the two filter bits of hash h within its filter word.
func filterBits(h uint64) uint64 { return 1<<(h&63) | 1<<(h>>6&63) }

// resize rebuilds the table with n slots (a power of two) and a filter of
// 8n bits (16 per word at the highest load), at most 16 KiB so that it
// stays in the first-level cache (at 20,000 words that is 6.5 bits per
// word, about 8% false positives, which the slots then answer).
func (t *wordTable) resize(n int) {
	t.slots, t.mask = make([]uint64, n), uint64(n-1)
	f := min(8*n, 1<<17)
	t.filter, t.fmask = make([]uint64, f/64), uint64(f/64-1)
	for i, e := range t.ents {
		t.place(hashWord(t.seed, t.keys[e.off:e.off+e.len]), uint64(i+1))
	}
}

// prefixTrie finds the prefixes a word starts with, byte by byte over the
// folded word. The root's transitions are a table; a deeper node keeps its
// few children in a list. Most words start with no prefix, so bitmaps rule
// them out first: of the (hashed) first four bytes of every prefix of four
// bytes or more, of the first three bytes of every three-byte prefix, and
// of the first two bytes of the shorter ones. Four bytes rather than three
// tell common words from the stems watches use ("report" from
// "repatriat*", "hospital" from "hostage*"), which otherwise each cost a
// fold and a look-up.
type prefixTrie struct {
	root  *[256]int32 // byte → node; 0 none
	quad  *[1 << 16 / 64]uint64
	tri   *[1 << 16 / 64]uint64 // of three-byte prefixes
	pairs *[1 << 16 / 64]uint64 // of prefixes shorter than three bytes
	three bool                  // some prefix has three bytes
	short bool                  // some prefix is shorter than three bytes
	nodes []prefixNode
}

// bitHash hashes up to four bytes (little-endian) into a bitmap index.
func bitHash(v uint32) uint32 { return v * 0x9E3779B1 >> 16 }

func hasBit(m *[1 << 16 / 64]uint64, i uint32) bool { return m[i>>6]&(1<<(i&63)) != 0 }

// first4 is the first bytes of w, up to four, little-endian.
func first4(w []byte) uint32 {
	if len(w) >= 4 {
		return binary.LittleEndian.Uint32(w)
	}
	var v uint32
	for k, c := range w {
		v |= uint32(c) << (8 * k)
	}
	return v
}

// may reports whether a folded word of n bytes whose first bytes (up to
// four, little-endian, zero beyond n) are v may start with a prefix.
func (p *prefixTrie) may(n int, v uint32) bool {
	if n >= 4 && hasBit(p.quad, bitHash(v)) {
		return true
	}
	if n >= 3 && p.three && hasBit(p.tri, bitHash(v&0xffffff)) {
		return true
	}
	if !p.short {
		return false
	}
	// A word of one byte has second byte 0, as one-byte prefixes record.
	pair := uint16(v&0xff)<<8 | uint16(v>>8&0xff)
	return p.pairs[pair>>6]&(1<<(pair&63)) != 0
}

type prefixNode struct {
	sym   int32 // the prefix ending here, or -1
	kids  []byte
	nexts []int32
}

func (p *prefixNode) child(c byte) int32 {
	for i, k := range p.kids {
		if k == c {
			return p.nexts[i]
		}
	}
	return 0
}

func (p *prefixTrie) intern(w []byte, newSym func() int32) int32 {
	if p.nodes == nil {
		p.root, p.quad = new([256]int32), new([1 << 16 / 64]uint64)
		p.tri, p.pairs = new([1 << 16 / 64]uint64), new([1 << 16 / 64]uint64)
		p.nodes = []prefixNode{{sym: -1}}
	}
	switch {
	case len(w) >= 4:
		t := bitHash(first4(w))
		p.quad[t>>6] |= 1 << (t & 63)
	case len(w) == 3:
		p.three = true
		t := bitHash(first4(w))
		p.tri[t>>6] |= 1 << (t & 63)
	case len(w) == 2:
		p.short = true
		pair := uint16(w[0])<<8 | uint16(w[1])
		p.pairs[pair>>6] |= 1 << (pair & 63)
	default:
		p.short = true
		// A one-byte prefix: every pair starting with it, and the word of
		// that one byte (pair with 0, which no folded word contains).
		for c := range 256 {
			pair := uint16(w[0])<<8 | uint16(c)
			p.pairs[pair>>6] |= 1 << (pair & 63)
		}
	}
	n := int32(0)
	for i, c := range w {
		var next int32
		if i == 0 {
			next = p.root[c]
		} else {
			next = p.nodes[n].child(c)
		}
		if next == 0 {
			next = int32(len(p.nodes))
			p.nodes = append(p.nodes, prefixNode{sym: -1})
			if i == 0 {
				p.root[c] = next
			} else {
				p.nodes[n].kids = append(p.nodes[n].kids, c)
				p.nodes[n].nexts = append(p.nodes[n].nexts, next)
			}
		}
		n = next
	}
	if p.nodes[n].sym < 0 {
		p.nodes[n].sym = newSym()
	}
	return p.nodes[n].sym
}

// maybe reports whether w may start with a prefix (see may).
func (p *prefixTrie) maybe(w []byte) bool {
	return p.nodes != nil && len(w) > 0 && p.may(len(w), first4(w))
}

// mayStart is maybe for the folded ASCII word s[i:j]. It runs for most
// words of a text, so the common case (four bytes or more, no prefix
// shorter than four) is one bitmap probe.
func (p *prefixTrie) mayStart(s string, i, j int) bool {
	if p.nodes == nil {
		return false
	}
	n := j - i
	if n >= 4 {
		_ = s[i+3]
		v := (uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24) | 0x20202020
		if hasBit(p.quad, bitHash(v)) {
			return true
		}
		return (p.three || p.short) && p.may(n, v)
	}
	if !p.three && !p.short {
		return false // a prefix of four bytes or more cannot start it
	}
	var v uint32
	for k := range n {
		v |= uint32(s[i+k]|0x20) << (8 * k)
	}
	return p.may(n, v)
}

// walk appends the symbol of every prefix of w, shortest first.
func (p *prefixTrie) walk(w []byte, syms []int32) []int32 {
	if !p.maybe(w) {
		return syms
	}
	n := p.root[w[0]]
	for i := 1; n != 0; i++ {
		if s := p.nodes[n].sym; s >= 0 {
			syms = append(syms, s)
		}
		if i == len(w) {
			break
		}
		n = p.nodes[n].child(w[i])
	}
	return syms
}
