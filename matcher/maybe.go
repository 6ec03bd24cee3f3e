package matcher

// mayFire is a quick necessary condition for a query watch to fire: the
// query, evaluated on which terms occur at all (in the title, anywhere),
// with every NOT assumed possibly true and NEAR taken as AND, can be true
// through a term found. Most watches with occurrences in an article (a
// prefix term matching some word, say) fail it, and skip resolving and
// evaluating. Excludes and case rules are ignored, which only errs on the
// side of evaluating.
func (sc *scratch) mayFire(w *compiledWatch, cands []candidate) bool {
	if cap(sc.seen) < len(w.terms) {
		sc.seen = make([]uint8, len(w.terms))
	}
	seen := sc.seen[:len(w.terms)]
	clear(seen)
	for i := range cands {
		if c := &cands[i]; c.kind == kindSpelling {
			seen[c.term] |= 1 << c.seg // bit 0: title, bit 1: text
		}
	}
	q := w.query
	if cap(sc.may) < len(q.nodes) {
		sc.may = make([]maybe, len(q.nodes))
	}
	may := sc.may[:len(q.nodes)]
	for i := range q.nodes {
		n := &q.nodes[i]
		switch n.op {
		case qTerm:
			found := seen[n.term] != 0
			if n.title {
				found = seen[n.term]&1 != 0
			}
			may[i] = maybe{found, found}
		case qAnd, qNear:
			l, r := sideMay(q, n, may)
			may[i] = maybe{l.val && r.val, l.val && r.val && (l.pos || r.pos)}
		case qOr:
			l, r := may[n.l], may[n.r]
			may[i] = maybe{l.val || r.val, l.val && l.pos || r.val && r.pos}
		case qNot:
			may[i] = maybe{true, false}
		}
	}
	root := may[q.root]
	return root.val && root.pos
}

// maybe is whether a query node may be true, and may be so through a term
// found.
type maybe struct{ val, pos bool }

// sideMay returns the bounds of the two operands of an AND, or of the two
// sides of a NEAR (each an OR of its leaves).
func sideMay(q *compiledQuery, n *qnode, may []maybe) (l, r maybe) {
	if n.op == qAnd {
		return may[n.l], may[n.r]
	}
	for _, leaf := range n.near[0] {
		l.val = l.val || may[leaf].val
	}
	for _, leaf := range n.near[1] {
		r.val = r.val || may[leaf].val
	}
	l.pos, r.pos = l.val, r.val
	return l, r
}
