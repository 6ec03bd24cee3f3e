package matcher

import "github.com/newshound/newshound/matcher/query"

// compiledQuery is a watch's query as a flat list of nodes in post-order
// (children before their parent), so evaluation is one forward loop.
type compiledQuery struct {
	nodes []qnode
	root  int32
	src   query.Node
}

type qop uint8

const (
	qTerm qop = iota
	qAnd
	qOr
	qNot
	qNear
)

type qnode struct {
	op    qop
	l, r  int32 // children: qAnd, qOr (both), qNot (l)
	term  int32 // qTerm: index into the watch's terms
	title bool  // qTerm: counts occurrences in the title only
	dist  int   // qNear
	// near holds a qNear's operand leaves (qTerm node indices), left side
	// then right side.
	near [2][]int32
	src  query.Node
}

// queryCompiler turns one watch's query into a compiledQuery, resolving each
// leaf to a term of the watch.
type queryCompiler struct {
	c       *compiler
	wi      int32
	cw      *compiledWatch
	q       *compiledQuery
	byName  map[string]int32 // normalised entity name or keyword → term
	byQuery map[string]int32 // normalised query text (+ "*") → query-only term
	// positive and negative record how each term is used in the query.
	positive, negative map[int32]bool
}

// query compiles q for watch wi. A leaf equal (after normalisation) to an
// entity name or keyword stands for that term; any other leaf, and every
// prefix leaf, becomes a query-only term matched as written.
func (c *compiler) query(wi int32, cw *compiledWatch, q query.Node) *compiledQuery {
	qc := queryCompiler{
		c: c, wi: wi, cw: cw, q: &compiledQuery{src: q},
		byName:   make(map[string]int32),
		byQuery:  make(map[string]int32),
		positive: make(map[int32]bool),
		negative: make(map[int32]bool),
	}
	for ti, t := range cw.terms {
		if n := Normalize(t.name); n != "" {
			if _, dup := qc.byName[n]; !dup {
				qc.byName[n] = int32(ti)
			}
		}
	}
	qc.q.root = qc.node(q, false)
	for ti := range cw.terms {
		t := &cw.terms[ti]
		used := qc.positive[int32(ti)] || qc.negative[int32(ti)]
		t.counted = !used || qc.positive[int32(ti)]
	}
	return qc.q
}

func (qc *queryCompiler) push(n qnode) int32 {
	qc.q.nodes = append(qc.q.nodes, n)
	return int32(len(qc.q.nodes) - 1)
}

// node compiles n; negated says it lies under an odd number of NOTs.
func (qc *queryCompiler) node(n query.Node, negated bool) int32 {
	switch n := n.(type) {
	case *query.And:
		l, r := qc.node(n.Left, negated), qc.node(n.Right, negated)
		return qc.push(qnode{op: qAnd, l: l, r: r, src: n})
	case *query.Or:
		l, r := qc.node(n.Left, negated), qc.node(n.Right, negated)
		return qc.push(qnode{op: qOr, l: l, r: r, src: n})
	case *query.Not:
		x := qc.node(n.X, !negated)
		return qc.push(qnode{op: qNot, l: x, src: n})
	case *query.Near:
		var near [2][]int32
		for side, op := range []query.Node{n.Left, n.Right} {
			if !qc.nearLeaves(op, negated, &near[side]) {
				qc.c.errorf("watch %q: query: NEAR operands must be terms, phrases or OR groups of them, not %s", qc.cw.name, op)
			}
		}
		return qc.push(qnode{op: qNear, dist: n.Distance, near: near, src: n})
	case *query.Term:
		return qc.leaf(n, negated)
	default:
		qc.c.errorf("watch %q: query: unsupported node %T", qc.cw.name, n)
		return qc.push(qnode{op: qOr, l: -1, r: -1, src: n})
	}
}

// nearLeaves appends the leaves of a NEAR operand (a term or an OR of
// terms) and reports whether the operand has that shape.
func (qc *queryCompiler) nearLeaves(n query.Node, negated bool, leaves *[]int32) bool {
	switch n := n.(type) {
	case *query.Term:
		*leaves = append(*leaves, qc.leaf(n, negated))
		return true
	case *query.Or:
		return qc.nearLeaves(n.Left, negated, leaves) && qc.nearLeaves(n.Right, negated, leaves)
	default:
		return false
	}
}

// leaf compiles a term leaf, resolving it to a term of the watch.
func (qc *queryCompiler) leaf(t *query.Term, negated bool) int32 {
	ti := qc.resolve(t)
	if negated {
		qc.negative[ti] = true
	} else {
		qc.positive[ti] = true
	}
	return qc.push(qnode{op: qTerm, term: ti, title: t.TitleOnly, src: t})
}

func (qc *queryCompiler) resolve(t *query.Term) int32 {
	norm := Normalize(t.Text)
	if !t.Prefix {
		if ti, ok := qc.byName[norm]; ok {
			return ti
		}
	}
	key := norm
	if t.Prefix {
		key += "*"
	}
	if ti, ok := qc.byQuery[key]; ok {
		return ti
	}
	name := queryTermName(t)
	ti := int32(len(qc.cw.terms))
	qc.byQuery[key] = ti
	qc.cw.terms = append(qc.cw.terms, compiledTerm{name: name, fromQuery: true, spellings: []string{name}})
	o := output{watch: qc.wi, term: ti, kind: kindSpelling, cased: -1}
	if err := qc.c.add(t.Text, t.Prefix, false, o); err != nil {
		qc.c.errorf("watch %q: query term %q %w", qc.cw.name, t.Text, err)
	}
	return ti
}

// queryTermName is how a query-only term is reported: as written in the
// query, without a title: scope.
func queryTermName(t *query.Term) string {
	s := t.Text
	if t.Phrase {
		s = `"` + t.Text + `"`
	}
	if t.Prefix {
		s += "*"
	}
	return s
}
