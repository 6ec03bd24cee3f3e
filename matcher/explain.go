package matcher

import (
	"fmt"
	"strings"

	"github.com/newshound/newshound/matcher/query"
)

// Explanation says what one watch found in one article and why it fires
// or not: the report `newshound explain` prints (see Format).
type Explanation struct {
	Watch string
	// Query is the watch's query in normal form; empty without one.
	Query       string
	MinMentions int
	// Terms has one report per term: the configured entities and keywords,
	// then the query's own terms.
	Terms []TermReport
	// Eval is the query evaluated node by node; nil without a query.
	Eval *NodeReport
	// Mentions is the number of counted occurrences (non-overlapping, over
	// the counted terms): what min_mentions is compared with.
	Mentions int
	Fires    bool
	// Verdict is one line: what fired, or why the watch does not fire.
	Verdict string
	// Hit is exactly what Match reports for the watch; nil when it does not
	// fire.
	Hit *Hit
}

// TermReport is what one term found.
type TermReport struct {
	Name string
	// FromQuery: a query term that is not one of the watch's entities or
	// keywords.
	FromQuery bool
	// Counted: the term's occurrences count toward mentions and are
	// reported in alerts (false for a term used only under NOT).
	Counted bool
	// Found lists the term's occurrences, each once (its own spellings
	// never overlap), title first.
	Found []Occurrence
	// Excluded lists occurrences that an exclude phrase cancelled.
	Excluded []Exclusion
	// CaseMisses lists places where a case-sensitive spelling matched
	// except for letter case.
	CaseMisses []Occurrence
}

// Occurrence is one place where a term (or a spelling of it) was found.
type Occurrence struct {
	Field string // "title" or "text"
	Word  int    // 1-based position of its first word in the field
	Seen  string // exactly as written
	// Spelling is the configured spelling (name, alias or query text) that
	// matched.
	Spelling string
	// Counted: the occurrence counts for the watch. An occurrence inside a
	// longer (or earlier) occurrence of another counted term does not.
	Counted bool
}

// Exclusion is an occurrence cancelled by an exclude phrase.
type Exclusion struct {
	Occurrence
	Phrase string // the exclude phrase as configured
	Cover  string // the text the phrase matched
}

// NodeReport is the value of one query node and why. AND and OR chains
// are flattened: `a AND b AND c` is one node with three children.
type NodeReport struct {
	Expr     string
	Value    bool
	Why      string
	Children []NodeReport
}

// Explain runs watch on one article exactly as Match does and reports
// what it found, what was excluded or missed by letter case, how the query
// evaluated, and the verdict. An unknown watch is an error.
func (m *Matcher) Explain(watch, title, text string) (Explanation, error) {
	wi, ok := m.index[watch]
	if !ok {
		return Explanation{}, fmt.Errorf("unknown watch %q", watch)
	}
	w := &m.watches[wi]
	e := Explanation{Watch: w.name, MinMentions: w.minMentions}
	if w.query != nil {
		e.Query = w.query.src.String()
	}
	sc := m.getScratch()
	defer m.scratch.Put(sc)
	sc.explain = true
	defer func() { sc.explain = false }()
	m.collect(sc, title, text)
	var cands []candidate
	for i := 0; i < len(sc.cands); i++ {
		if sc.cands[i].watch == int32(wi) {
			n := i
			for n < len(sc.cands) && sc.cands[n].watch == int32(wi) {
				n++
			}
			cands = sc.cands[i:n]
			break
		}
	}
	art := &article{title: title, text: text}
	r := reporter{m: m, w: w, art: art, cands: cands}
	r.start()
	sc.applyExcludes(w, cands, r.excluded)
	o := m.evaluate(sc, int32(wi), cands)
	sc.resolveTerms(w, cands)
	r.found(sc)
	r.caseMisses(sc, int32(wi))
	e.Terms = r.terms
	e.Mentions, e.Fires = o.mentions, o.fires
	if w.query != nil {
		n := r.node(sc, w.query, w.query.root)
		e.Eval = &n
	}
	if o.fires {
		sc.out.reset()
		art.out = &sc.out
		m.hit(sc, int32(wi), cands, art, &o)
		e.Hit = &sc.out.export()[0]
		sc.out.clear()
	}
	e.Verdict = r.verdict(sc, &o)
	return e, nil
}

// reporter builds the parts of an Explanation.
type reporter struct {
	m     *Matcher
	w     *compiledWatch
	art   *article
	cands []candidate
	terms []TermReport
}

func (r *reporter) start() {
	r.terms = make([]TermReport, len(r.w.terms))
	for i, t := range r.w.terms {
		r.terms[i] = TermReport{Name: t.name, FromQuery: t.fromQuery, Counted: t.counted}
	}
}

func fieldName(seg uint8) string {
	if seg == segTitle {
		return "title"
	}
	return "text"
}

func (r *reporter) occurrence(c *candidate) Occurrence {
	t := &r.w.terms[c.term]
	o := Occurrence{Field: fieldName(c.seg), Word: int(c.first) + 1, Seen: r.art.src(c.seg)[c.start:c.end]}
	switch {
	case c.kind == kindExclude:
		o.Spelling = t.excludes[c.variant]
	case int(c.variant) < len(t.spellings):
		o.Spelling = t.spellings[c.variant]
	}
	return o
}

func sameSpot(a, b Occurrence) bool {
	return a.Field == b.Field && a.Word == b.Word && a.Seen == b.Seen
}

// excluded records an occurrence cancelled by an exclude phrase, once per
// place.
func (r *reporter) excluded(dropped, by int) {
	c, x := &r.cands[dropped], &r.cands[by]
	t := &r.terms[c.term]
	o := r.occurrence(c)
	// Candidates come in order of their first word: a place covered for
	// several spellings can only repeat among the last ones.
	for k := len(t.Excluded) - 1; k >= 0 && t.Excluded[k].Field == o.Field && t.Excluded[k].Word == o.Word; k-- {
		if sameSpot(t.Excluded[k].Occurrence, o) {
			return
		}
	}
	t.Excluded = append(t.Excluded, Exclusion{
		Occurrence: o,
		Phrase:     r.w.terms[x.term].excludes[x.variant],
		Cover:      r.art.src(x.seg)[x.start:x.end],
	})
}

// found records each term's own occurrences and whether each is counted.
func (r *reporter) found(sc *scratch) {
	counted := make(map[int32]bool, len(sc.acc))
	for _, ai := range sc.acc {
		counted[ai] = true
	}
	for ti, occs := range sc.occs {
		for _, o := range occs {
			oc := r.occurrence(&r.cands[o.cand])
			oc.Counted = counted[o.cand]
			r.terms[ti].Found = append(r.terms[ti].Found, oc)
		}
	}
}

// caseMisses records the case-sensitive spellings rejected for letter
// case, once per place.
func (r *reporter) caseMisses(sc *scratch, wi int32) {
	for i := range sc.misses {
		c := &sc.misses[i]
		if c.watch != wi {
			continue
		}
		t := &r.terms[c.term]
		o := r.occurrence(c)
		// Misses come in order of their first word: a place missed by
		// several spellings can only repeat among the last ones.
		dup := false
		for k := len(t.CaseMisses) - 1; k >= 0 && t.CaseMisses[k].Field == o.Field && t.CaseMisses[k].Word == o.Word; k-- {
			dup = dup || sameSpot(t.CaseMisses[k], o)
		}
		if !dup {
			t.CaseMisses = append(t.CaseMisses, o)
		}
	}
}

// verdict says in one line why the watch fires or not.
func (r *reporter) verdict(sc *scratch, o *outcome) string {
	w := r.w
	switch {
	case o.fires:
		return "fires: " + o.fired
	case w.query == nil && o.mentions == 0:
		return "does not fire: none of its terms is found"
	case w.query != nil && !o.queryTrue:
		return "does not fire: the query is false"
	case w.query != nil && !o.positive:
		branch := sc.firedNode(w.query, w.query.root, &anchor{})
		return fmt.Sprintf("does not fire: the query is true only through NOT (%s), and a watch needs a term found", branch)
	default:
		return fmt.Sprintf("does not fire: %s, min_mentions is %d", plural(o.mentions, "mention"), w.minMentions)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// node reports query node i and its children, flattening AND and OR
// chains.
func (r *reporter) node(sc *scratch, q *compiledQuery, i int32) NodeReport {
	n, v := &q.nodes[i], &sc.vals[i]
	rep := NodeReport{Expr: n.src.String(), Value: v.val}
	switch n.op {
	case qTerm:
		rep.Why = termWhy(n, v)
	case qNot:
		rep.Children = []NodeReport{r.node(sc, q, n.l)}
		rep.Why = "its operand is true"
		if v.val {
			rep.Why = "its operand is false"
		}
	case qAnd, qOr:
		for _, k := range flatten(q, i, n.op, nil) {
			rep.Children = append(rep.Children, r.node(sc, q, k))
		}
		rep.Why = chainWhy(n.op, v.val, rep.Children)
	case qNear:
		rep.Why = nearWhy(sc, q, n, v)
	}
	return rep
}

// flatten lists the operands of a chain of op nodes, left to right.
func flatten(q *compiledQuery, i int32, op qop, out []int32) []int32 {
	n := &q.nodes[i]
	if n.op != op {
		return append(out, i)
	}
	return flatten(q, n.r, op, flatten(q, n.l, op, out))
}

func termWhy(n *qnode, v *qval) string {
	title, text := v.n[segTitle], v.n[segText]
	switch {
	case n.title && title == 0:
		return "not found in the title"
	case n.title:
		return fmt.Sprintf("found %s in the title", times(title))
	case title+text == 0:
		return "not found"
	case title == 0:
		return fmt.Sprintf("found %s in the text", times(text))
	case text == 0:
		return fmt.Sprintf("found %s in the title", times(title))
	}
	return fmt.Sprintf("found %s in the title and %s in the text", times(title), times(text))
}

func times(n int) string { return fmt.Sprintf("%d×", n) }

func chainWhy(op qop, val bool, kids []NodeReport) string {
	var pick []string
	for _, k := range kids {
		if k.Value == (op == qOr) {
			pick = append(pick, k.Expr)
		}
	}
	switch {
	case op == qAnd && val:
		return "all parts are true"
	case op == qAnd:
		return "false: " + strings.Join(pick, ", ")
	case val:
		return "true: " + pick[0]
	}
	return "no alternative is true"
}

func nearWhy(sc *scratch, q *compiledQuery, n *qnode, v *qval) string {
	if v.dist < 0 {
		for side, leaves := range n.near {
			found := false
			for _, leaf := range leaves {
				found = found || sc.vals[leaf].val
			}
			if !found {
				return sideExpr(q, n, side) + " not found"
			}
		}
		return "the two sides never occur in the same field"
	}
	l, r := q.nodes[v.pair[0].leaf].src, q.nodes[v.pair[1].leaf].src
	cmp := "at most"
	if v.dist > n.dist {
		cmp = "more than"
	}
	return fmt.Sprintf("nearest %s … %s: %s apart in the %s, %s %d",
		l, r, plural(v.dist, "word"), fieldName(v.pair[0].o.seg), cmp, n.dist)
}

// sideExpr renders one operand of a NEAR node.
func sideExpr(q *compiledQuery, n *qnode, side int) string {
	near := n.src.(*query.Near)
	if side == 0 {
		return near.Left.String()
	}
	return near.Right.String()
}
