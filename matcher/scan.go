package matcher

import (
	"slices"
	"unicode"
)

// segment says which part of the article a candidate lies in.
const (
	segTitle uint8 = iota
	segText
)

// candidate is one occurrence of one spelling (or exclude phrase) of one
// term of one watch, before excludes and overlaps are resolved.
type candidate struct {
	watch, term int32
	variant     int32
	kind        uint8
	seg         uint8
	dropped     bool  // cancelled by an exclude phrase
	first, last int32 // word indices in the segment, last exclusive
	start, end  int   // byte span in the segment's original string
}

// scratch is the per-call working memory, pooled to keep Match cheap.
type scratch struct {
	z     tokenizer
	zk    tokenizer // case kept, for case-sensitive spellings
	cands []candidate
	stack []step
	// counting sort by watch
	sorted  []candidate
	count   []int32
	touched []int32
	// explain records in misses the spellings found once folded but
	// rejected for letter case; anyCase ignores case rules (used to check
	// exclude phrases at compile time).
	explain, anyCase bool
	misses           []candidate
	// steps and words count the work done, for the linear-time test.
	steps, words int

	// Per-watch working memory (see eval.go).
	acc    []int32 // indices into the watch's candidates: counted, non-overlapping
	occs   [][]occ // by term: the term's own non-overlapping occurrences
	free   []int32 // by term: first word index still free, per resolution
	vals   []qval  // by query node
	items  []nearItem
	leafAt []int32 // NEAR leaves being merged
	heads  []int   // ... and the next occurrence of each
	seen   []uint8 // by term, for mayFire
	may    []maybe // by query node, for mayFire
	spans  []span  // highlights of a hit, in the source

	out hitScratch // the hits of one Match call before they are copied out
}

// step is a trie state during the walk: the node reached, the stored
// token and reading (index into tokenizer.syms) that reached it, and where
// the spelling started in the original.
type step struct {
	node  int32
	tok   int32
	ref   int32
	start int
}

func (m *Matcher) getScratch() *scratch {
	sc, _ := m.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	sc.cands, sc.misses, sc.steps, sc.words = sc.cands[:0], sc.misses[:0], 0, 0
	return sc
}

// collect scans the title and the text and sorts the candidates by watch,
// segment, position, longest first, then term. The scan emits them by
// segment and start already, so a stable counting sort by watch followed
// by an insertion sort per watch (which only has to fix up the order of
// lengths at one start) does it in linear time.
func (m *Matcher) collect(sc *scratch, title, text string) {
	m.scan(sc, title, segTitle)
	m.scan(sc, text, segText)
	sc.byWatch(len(m.watches))
	for c := sc.cands; len(c) > 0; {
		n := 1
		for n < len(c) && c[n].watch == c[0].watch {
			n++
		}
		sc.steps += insertionSort(c[:n])
		c = c[n:]
	}
}

// byWatch sorts sc.cands by watch, stably, counting the candidates of each
// watch that occurs (most watches have none).
func (sc *scratch) byWatch(watches int) {
	if len(sc.count) != watches {
		sc.count = make([]int32, watches)
	}
	sc.touched = sc.touched[:0]
	for i := range sc.cands {
		w := sc.cands[i].watch
		if sc.count[w] == 0 {
			sc.touched = append(sc.touched, w)
		}
		sc.count[w]++
	}
	if len(sc.touched) <= 1 {
		for _, w := range sc.touched {
			sc.count[w] = 0
		}
		return
	}
	slices.Sort(sc.touched)
	at := int32(0)
	for _, w := range sc.touched {
		at, sc.count[w] = at+sc.count[w], at // count becomes the next free slot
	}
	sorted := slices.Grow(sc.sorted[:0], len(sc.cands))[:len(sc.cands)]
	for i := range sc.cands {
		w := sc.cands[i].watch
		sorted[sc.count[w]] = sc.cands[i]
		sc.count[w]++
	}
	for _, w := range sc.touched {
		sc.count[w] = 0
	}
	sc.cands, sc.sorted = sorted, sc.cands
}

// insertionSort sorts c and returns the number of comparisons made.
func insertionSort(c []candidate) int {
	steps := 0
	for i := 1; i < len(c); i++ {
		steps++
		for j := i; j > 0 && less(&c[j], &c[j-1]); j-- {
			c[j], c[j-1] = c[j-1], c[j]
			steps++
		}
	}
	return steps
}

// less orders one watch's candidates: by segment, start, longest first,
// term, kind (excludes first) and spelling.
func less(a, b *candidate) bool {
	switch {
	case a.seg != b.seg:
		return a.seg < b.seg
	case a.first != b.first:
		return a.first < b.first
	case a.last != b.last:
		return a.last > b.last
	case a.term != b.term:
		return a.term < b.term
	case a.kind != b.kind:
		return a.kind < b.kind
	}
	return a.variant < b.variant
}

// scan tokenizes s and appends a candidate for every occurrence of every
// spelling, at every start word, with every length. The walk from a start
// word is bounded by the longest spelling, so the work is linear in the
// length of s.
func (m *Matcher) scan(sc *scratch, s string, seg uint8) {
	z := &sc.z
	z.dict = m.d
	z.reset()
	z.tokenize(s)
	sc.words += int(z.words)
	for k := range z.toks {
		t := &z.toks[k]
		for ri := t.sym; ri < t.sym+t.nsym; ri++ {
			r := &z.syms[ri]
			n := m.d.root[r.sym]
			if n == 0 {
				continue
			}
			sc.stack = append(sc.stack[:0], step{node: n, tok: int32(k), ref: ri, start: r.start})
			for len(sc.stack) > 0 {
				st := sc.stack[len(sc.stack)-1]
				sc.stack = sc.stack[:len(sc.stack)-1]
				sc.steps++
				if outs := m.d.outs[st.node]; len(outs) > 0 {
					m.emit(sc, s, seg, outs, int32(k), st)
				}
				if z.syms[st.ref].cont {
					m.extend(sc, st)
				}
			}
		}
	}
}

// emit appends a candidate per output, checking case-sensitive spellings
// against the text.
func (m *Matcher) emit(sc *scratch, s string, seg uint8, outs []output, first int32, st step) {
	toks := sc.z.toks
	c := candidate{
		seg: seg, first: toks[first].idx, last: toks[st.tok].idx + 1,
		start: st.start, end: sc.z.syms[st.ref].end,
	}
	for _, o := range outs {
		c.watch, c.term, c.variant, c.kind = o.watch, o.term, o.variant, o.kind
		if o.cased >= 0 && !sc.anyCase && !m.caseMatches(sc, s[c.start:c.end], o.cased) {
			if sc.explain {
				sc.misses = append(sc.misses, c)
			}
			continue
		}
		sc.cands = append(sc.cands, c)
	}
}

// extend pushes the trie states reachable from st with the next word.
func (m *Matcher) extend(sc *scratch, st step) {
	toks := sc.z.toks
	j := st.tok + 1
	if int(j) >= len(toks) || toks[j].idx != toks[st.tok].idx+1 {
		return // the next word is not in the dictionary
	}
	g := toks[j].gap
	if g == gapBreak {
		return
	}
	t := &toks[j]
	for ri := t.sym; ri < t.sym+t.nsym; ri++ {
		r := &sc.z.syms[ri]
		if !r.follow {
			continue
		}
		next := step{tok: j, ref: ri, start: st.start}
		if n, ok := m.d.edges[edgeKey(st.node, r.sym, true)]; ok {
			next.node = n
			sc.stack = append(sc.stack, next)
		}
		if g <= gapSoft { // none: Han and kana words follow each other
			if n, ok := m.d.edges[edgeKey(st.node, r.sym, false)]; ok {
				next.node = n
				sc.stack = append(sc.stack, next)
			}
		}
	}
}

// caseMatches reports whether surface, which matches a case-sensitive
// spelling once case is folded, also has its letter case: word by word,
// ignoring words without cased letters.
func (m *Matcher) caseMatches(sc *scratch, surface string, cased int32) bool {
	cs := &m.d.cased[cased]
	zk := &sc.zk
	zk.keepCase = true
	zk.reset()
	zk.tokenize(surface)
	if len(zk.toks) != len(cs.words) {
		return false
	}
	for i, t := range zk.toks {
		if cs.cased[i] && string(zk.folded(t)) != cs.words[i] {
			return false
		}
	}
	return true
}

// hasCase reports whether s has a letter with an upper- and lower-case
// form.
func hasCase(s string) bool {
	for _, r := range s {
		if unicode.ToUpper(r) != r || unicode.ToLower(r) != r {
			return true
		}
	}
	return false
}
