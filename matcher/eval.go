package matcher

import "github.com/newshound/newshound/matcher/query"

// occ is one occurrence of a term: where it lies and which candidate it is.
type occ struct {
	seg         uint8
	first, last int32 // word indices, last exclusive
	start, end  int   // byte span in the segment
	cand        int32 // index into the watch's candidates
}

func occOf(cands []candidate, i int32) occ {
	c := &cands[i]
	return occ{seg: c.seg, first: c.first, last: c.last, start: c.start, end: c.end, cand: i}
}

// qval is the value of one query node on one article.
type qval struct {
	val bool
	// pos: the node is true through at least one term found, not only
	// through NOT.
	pos bool
	n   [2]int // qTerm: occurrences in scope, by segment
	// qNear: the nearest pair (left, right) and how many words apart it
	// is: 1 for adjacent words, 0 when the two overlap; -1 when there is
	// no pair in one field.
	dist int
	pair [2]nearItem
}

// nearItem is an occurrence of one NEAR operand leaf.
type nearItem struct {
	side uint8
	leaf int32 // qTerm node
	o    occ
}

// outcome is the verdict on one watch.
type outcome struct {
	fires     bool
	mentions  int  // counted occurrences (watch-level, non-overlapping)
	queryTrue bool // the query (or, without one, "any term") is true
	positive  bool // ... through a term found, not only through NOT
	fired     string
	firedNode query.Node
	anchor    occ // where the snippet goes
}

// evaluate decides whether watch wi fires on its candidates (sorted as
// collect sorts them). It leaves the counted occurrences in sc.acc and,
// with a query, each term's occurrences in sc.occs.
func (m *Matcher) evaluate(sc *scratch, wi int32, cands []candidate) outcome {
	w := &m.watches[wi]
	sc.steps += len(cands) // each pass over the candidates below
	if w.excludes {
		sc.applyExcludes(w, cands, nil)
	}
	sc.resolveCounted(w, cands)
	o := outcome{mentions: len(sc.acc)}
	if w.query == nil {
		o.queryTrue, o.positive = len(sc.acc) > 0, len(sc.acc) > 0
		o.fires = o.queryTrue && len(sc.acc) >= w.minMentions
		if o.fires {
			o.fired = w.terms[cands[sc.acc[0]].term].name
			o.anchor = occOf(cands, sc.acc[0])
			for _, ai := range sc.acc {
				if cands[ai].seg == segText {
					o.anchor = occOf(cands, ai)
					break
				}
			}
		}
		return o
	}
	if !sc.explain && !sc.mayFire(w, cands) {
		return o
	}
	sc.resolveTerms(w, cands)
	q := w.query
	sc.evalQuery(q)
	root := &sc.vals[q.root]
	o.queryTrue, o.positive = root.val, root.val && root.pos
	o.fires = o.positive && len(sc.acc) >= w.minMentions
	if o.fires {
		a := anchor{}
		o.firedNode = sc.firedNode(q, q.root, &a)
		o.fired = o.firedNode.String()
		o.anchor = a.o
	}
	return o
}

// applyExcludes marks the spelling candidates that an exclude phrase of
// the same term covers. report, when set, learns which one covered which.
func (sc *scratch) applyExcludes(w *compiledWatch, cands []candidate, report func(dropped, by int)) {
	cover := sc.resize(len(w.terms)) // by term: the covering exclude candidate with the furthest end
	seg := uint8(255)
	for i := range cands {
		c := &cands[i]
		if c.seg != seg {
			seg = c.seg
			for t := range cover {
				cover[t] = -1
			}
		}
		by := cover[c.term]
		if c.kind == kindExclude {
			if by < 0 || cands[by].last < c.last {
				cover[c.term] = int32(i)
			}
			continue
		}
		// Candidates are sorted by start, so an exclude seen earlier starts
		// at or before c; it covers c when it also ends at or after it.
		if by >= 0 && cands[by].last >= c.last {
			c.dropped = true
			if report != nil {
				report(i, int(by))
			}
		}
	}
}

// resize returns sc.free resized to n.
func (sc *scratch) resize(n int) []int32 {
	if cap(sc.free) < n {
		sc.free = make([]int32, n)
	}
	sc.free = sc.free[:n]
	return sc.free
}

// resolveCounted picks the counted occurrences leftmost-longest without
// overlap across the watch's counted terms: with terms "al Hol" and "al Hol
// camp", the text "al Hol camp" counts once, for the longer.
func (sc *scratch) resolveCounted(w *compiledWatch, cands []candidate) {
	sc.acc = sc.acc[:0]
	seg, free := uint8(255), int32(0)
	for i := range cands {
		c := &cands[i]
		if c.kind != kindSpelling || c.dropped || !w.terms[c.term].counted {
			continue
		}
		if c.seg == seg && c.first < free {
			continue
		}
		seg, free = c.seg, c.last
		sc.acc = append(sc.acc, int32(i))
	}
}

// resolveTerms lists each term's own occurrences, leftmost-longest without
// overlap among its own spellings only: a query term is found even inside
// a longer occurrence of another term.
func (sc *scratch) resolveTerms(w *compiledWatch, cands []candidate) {
	if cap(sc.occs) < len(w.terms) {
		sc.occs = make([][]occ, len(w.terms))
	}
	sc.occs = sc.occs[:len(w.terms)]
	for t := range sc.occs {
		sc.occs[t] = sc.occs[t][:0]
	}
	free := sc.resize(len(w.terms))
	seg := uint8(255)
	for i := range cands {
		c := &cands[i]
		if c.seg != seg {
			seg = c.seg
			for t := range free {
				free[t] = 0
			}
		}
		if c.kind != kindSpelling || c.dropped || c.first < free[c.term] {
			continue
		}
		free[c.term] = c.last
		sc.occs[c.term] = append(sc.occs[c.term], occOf(cands, int32(i)))
	}
}

// evalQuery computes every node's value, children first.
func (sc *scratch) evalQuery(q *compiledQuery) {
	if cap(sc.vals) < len(q.nodes) {
		sc.vals = make([]qval, len(q.nodes))
	}
	sc.vals = sc.vals[:len(q.nodes)]
	for i := range q.nodes {
		n, v := &q.nodes[i], &sc.vals[i]
		*v = qval{}
		switch n.op {
		case qTerm:
			for _, o := range sc.occs[n.term] {
				if !n.title || o.seg == segTitle {
					v.n[o.seg]++
				}
			}
			v.val = v.n[0]+v.n[1] > 0
			v.pos = v.val
		case qAnd:
			l, r := &sc.vals[n.l], &sc.vals[n.r]
			v.val, v.pos = l.val && r.val, l.pos || r.pos
		case qOr:
			c := &sc.vals[sc.orChoice(n)]
			v.val, v.pos = c.val, c.pos
		case qNot:
			v.val = !sc.vals[n.l].val
		case qNear:
			sc.near(q, n, v)
			v.pos = v.val
		}
	}
}

// orChoice is the child of an OR that explains it: the first true child
// through a term found, else the first true child, else the left one.
func (sc *scratch) orChoice(n *qnode) int32 {
	l, r := &sc.vals[n.l], &sc.vals[n.r]
	switch {
	case l.val && l.pos:
		return n.l
	case r.val && r.pos:
		return n.r
	case l.val:
		return n.l
	case r.val:
		return n.r
	}
	return n.l
}

// near finds the nearest pair of a left and a right operand occurrence in
// the same field, in one sweep over the occurrences in order: the nearest
// earlier partner of an occurrence is the one that ends last. Each leaf's
// occurrences are already in order, so merging them keeps it linear.
func (sc *scratch) near(q *compiledQuery, n *qnode, v *qval) {
	v.dist = -1
	items := sc.nearItems(q, n)
	if items == nil {
		return
	}
	var best [2][2]int // per side, the two latest-ending distinct occurrences so far; -1 none
	seg := uint8(255)
	for i := range items {
		x := &items[i]
		if x.o.seg != seg {
			seg, best = x.o.seg, [2][2]int{{-1, -1}, {-1, -1}}
		}
		sc.steps++
		other := best[1-x.side]
		p := other[0]
		if p >= 0 && sameSpan(&items[p], x) {
			p = other[1]
		}
		if p >= 0 {
			// Overlapping occurrences are 0 words apart, adjacent ones 1.
			d := max(0, x.o.first-items[p].o.last+1)
			if v.dist < 0 || int(d) < v.dist {
				v.dist = int(d)
				v.pair[x.side], v.pair[1-x.side] = *x, items[p]
			}
		}
		keepLatest(items, &best[x.side], i)
	}
	v.val = v.dist >= 0 && v.dist <= n.dist
}

// nearItems merges the in-scope occurrences of a NEAR node's leaves into
// one list ordered by field and position, or returns nil when one side has
// none.
func (sc *scratch) nearItems(q *compiledQuery, n *qnode) []nearItem {
	leaves := append(sc.leafAt[:0], n.near[0]...)
	leaves = append(leaves, n.near[1]...)
	heads := sc.heads[:0]
	var sides [2]int
	for k, leaf := range leaves {
		heads = append(heads, 0)
		ln := &q.nodes[leaf]
		side := 0
		if k >= len(n.near[0]) {
			side = 1
		}
		for _, o := range sc.occs[ln.term] {
			if !ln.title || o.seg == segTitle {
				sides[side]++
			}
		}
	}
	sc.leafAt, sc.heads = leaves, heads
	if sides[0] == 0 || sides[1] == 0 {
		return nil
	}
	items := sc.items[:0]
	for {
		best := -1
		var bo occ
		for k, leaf := range leaves {
			ln := &q.nodes[leaf]
			occs := sc.occs[ln.term]
			for heads[k] < len(occs) && ln.title && occs[heads[k]].seg != segTitle {
				heads[k]++
			}
			if heads[k] == len(occs) {
				continue
			}
			if o := occs[heads[k]]; best < 0 || o.seg < bo.seg || o.seg == bo.seg && (o.first < bo.first || o.first == bo.first && o.last < bo.last) {
				best, bo = k, o
			}
		}
		if best < 0 {
			break
		}
		side := uint8(0)
		if best >= len(n.near[0]) {
			side = 1
		}
		items = append(items, nearItem{side: side, leaf: leaves[best], o: bo})
		heads[best]++
	}
	sc.items = items
	return items
}

func sameSpan(a, b *nearItem) bool { return a.o.first == b.o.first && a.o.last == b.o.last }

// keepLatest updates the two latest-ending occurrences of distinct spans.
func keepLatest(items []nearItem, b *[2]int, i int) {
	x := &items[i]
	switch {
	case b[0] < 0:
		b[0] = i
	case sameSpan(&items[b[0]], x):
	case x.o.last > items[b[0]].o.last:
		b[0], b[1] = i, b[0]
	case b[1] < 0 || !sameSpan(&items[b[1]], x) && x.o.last > items[b[1]].o.last:
		b[1] = i
	}
}

// anchor picks where the snippet goes: the first occurrence in the text
// among those that made the query true, else the first in the title.
type anchor struct {
	o  occ
	ok bool
}

func (a *anchor) consider(o occ) {
	better := o.seg > a.o.seg || o.seg == a.o.seg && o.start < a.o.start
	if !a.ok || better {
		a.o, a.ok = o, true
	}
}

// firedNode rebuilds the branch of the query that made it true: for OR the
// child orChoice picks, for AND both sides, NOT as written, NEAR with the
// leaves of its nearest pair.
func (sc *scratch) firedNode(q *compiledQuery, i int32, a *anchor) query.Node {
	n := &q.nodes[i]
	switch n.op {
	case qAnd:
		return &query.And{Left: sc.firedNode(q, n.l, a), Right: sc.firedNode(q, n.r, a)}
	case qOr:
		return sc.firedNode(q, sc.orChoice(n), a)
	case qNear:
		v := &sc.vals[i]
		a.consider(v.pair[0].o)
		a.consider(v.pair[1].o)
		return &query.Near{Left: q.nodes[v.pair[0].leaf].src, Right: q.nodes[v.pair[1].leaf].src, Distance: n.dist}
	case qTerm:
		for _, o := range sc.occs[n.term] {
			if !n.title || o.seg == segTitle {
				a.consider(o)
			}
		}
	}
	return n.src
}
