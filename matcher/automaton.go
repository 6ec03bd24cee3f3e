package matcher

// dict is the one automaton every watch compiles into. Text words become
// symbols through a hash table of exact words and a byte trie of prefixes
// (for query terms written with a trailing *); spellings are paths in a trie
// over symbols. Node outputs say which term of which watch a spelling (or
// an exclude phrase) belongs to.
type dict struct {
	words  wordTable
	prefix prefixTrie
	// arabic says whether any dictionary word is in Arabic script: only then
	// are clitics stripped from text words.
	arabic bool
	nsym   int32
	// root maps a symbol to the trie node reached by a spelling that starts
	// with it (0: none). Node 0 is unused so that 0 can mean none.
	root []int32
	// edges maps (node, symbol, anyGap) to the next node. anyGap says the
	// spelling had punctuation there and accepts any separator but invalid
	// UTF-8; otherwise the text must have a soft separator.
	edges map[uint64]int32
	outs  [][]output // by node
	// cased holds the case-kept words of case-sensitive spellings.
	cased []casedSpelling
}

// output is one term (or exclude phrase) ending at a trie node.
type output struct {
	watch, term int32
	variant     int32 // index into the term's spellings or excludes
	kind        uint8
	cased       int32 // -1: any letter case; else index into dict.cased
}

// Output kinds. Exclude phrases sort before spellings at the same position,
// so a sweep in candidate order sees an exclude before what it covers.
const (
	kindExclude uint8 = iota
	kindSpelling
)

// casedSpelling is a case-sensitive spelling as its words read with case
// kept; a word without cased letters (Arabic, digits) accepts any text.
type casedSpelling struct {
	words []string
	cased []bool
}

func newDict() *dict {
	return &dict{
		words: newWordTable(),
		edges: make(map[uint64]int32),
		outs:  [][]output{nil},
	}
}

func edgeKey(from, sym int32, anyGap bool) uint64 {
	k := uint64(from)<<33 | uint64(sym)<<1
	if anyGap {
		k |= 1
	}
	return k
}

// newSym allocates a symbol.
func (d *dict) newSym() int32 {
	d.nsym++
	d.root = append(d.root, 0)
	return d.nsym - 1
}

// add inserts a spelling given as folded words and the gaps before them;
// with prefix, the last word is a prefix. It reports the node where the
// spelling ends.
func (d *dict) add(words [][]byte, gaps []gap, prefix bool) int32 {
	n := int32(0)
	for i, w := range words {
		var sym int32
		if prefix && i == len(words)-1 {
			sym = d.prefix.intern(w, d.newSym)
		} else {
			sym = d.words.intern(w, d.newSym)
		}
		if len(w) > 0 && isArabicLead(w[0]) {
			d.arabic = true
		}
		var next int32
		if i == 0 {
			next = d.root[sym]
		} else {
			next = d.edges[edgeKey(n, sym, gaps[i] == gapHard)]
		}
		if next == 0 {
			next = int32(len(d.outs))
			d.outs = append(d.outs, nil)
			if i == 0 {
				d.root[sym] = next
			} else {
				d.edges[edgeKey(n, sym, gaps[i] == gapHard)] = next
			}
		}
		n = next
	}
	return n
}

// addOutput records o at node n. Per (watch, term, kind) a node keeps one
// case-insensitive output, or else the case-sensitive ones.
func (d *dict) addOutput(n int32, o output) {
	outs := d.outs[n]
	for i := 0; i < len(outs); i++ {
		e := outs[i]
		if e.watch != o.watch || e.term != o.term || e.kind != o.kind {
			continue
		}
		switch {
		case e.cased < 0:
			return // already matched in any case
		case o.cased < 0:
			outs = append(outs[:i], outs[i+1:]...)
			i--
		case slicesEqual(d.cased[e.cased].words, d.cased[o.cased].words):
			return
		}
	}
	d.outs[n] = append(outs, o)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lookup appends the exact symbol of a folded word and the symbol of
// every prefix it starts with.
func (d *dict) lookup(word []byte, syms []int32) []int32 {
	if s := d.words.get(word); s >= 0 {
		syms = append(syms, s)
	}
	if d.prefix.nodes != nil {
		syms = d.prefix.walk(word, syms)
	}
	return syms
}
