package matcher

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/newshound/newshound/matcher/query"
)

// Variant is one spelling of a term.
type Variant struct {
	Text string
	// CaseSensitive makes the spelling match only with exactly this letter
	// case; every other fold (dashes, quotes, diacritics, Arabic) still
	// applies. "ISIS" case-sensitive does not match "Isis".
	CaseSensitive bool
}

// Term is one thing to look for: an entity under all its names, or a
// keyword.
type Term struct {
	// Name is reported in matches (the entity name or keyword as
	// configured). It is always looked for, case-insensitively, unless
	// Variants lists it (same text) as case-sensitive.
	Name string
	// Variants are all spellings to look for (aliases); listing the name
	// again is harmless.
	Variants []Variant
	// Exclude lists phrases that cancel a hit of this term where they
	// cover it: "Isis River" cancels the "Isis" inside it, nowhere else.
	Exclude []string
}

// Watch is a named set of terms and an optional query over them.
type Watch struct {
	Name  string
	Terms []Term
	// Query, when set, decides whether the watch fires (see the package
	// documentation); nil fires on any term.
	Query query.Node
	// MinMentions, when above 1, is the least number of occurrences of the
	// watch's counted terms (entities, keywords and positive query terms)
	// for the watch to fire.
	MinMentions int
}

// Matcher finds the watches that fire on an article. It is compiled once
// from all watches, is immutable, and is safe for concurrent use.
type Matcher struct {
	d       *dict
	watches []compiledWatch
	index   map[string]int // watch name → index
	scratch sync.Pool      // *scratch
}

type compiledWatch struct {
	name        string
	terms       []compiledTerm // configured terms, then query-only terms
	query       *compiledQuery // nil without a query
	minMentions int
	excludes    bool // some term has exclude phrases
}

type compiledTerm struct {
	name      string
	fromQuery bool // a query term that is not an entity or keyword
	// counted: the term's occurrences are reported and count toward
	// min_mentions. Only a term used in the query under NOT alone is not.
	counted   bool
	spellings []string // by output.variant
	excludes  []string // by output.variant for kindExclude
}

// Compile builds a Matcher for watches. It checks every watch and returns
// all problems at once: an empty or duplicate watch name, a watch without
// terms or query, a term without a name, any spelling, exclude phrase or
// query term that normalises to nothing (it has no letters or digits) or
// is not valid UTF-8, an exclude phrase that contains none of its term's
// spellings, and a NEAR whose operands are not terms or OR groups of terms.
func Compile(watches []Watch) (*Matcher, error) {
	c := compiler{
		m:     &Matcher{d: newDict(), index: make(map[string]int, len(watches))},
		names: make(map[string]bool, len(watches)),
	}
	for wi, w := range watches {
		c.watch(int32(wi), w)
	}
	if len(c.errs) == 0 {
		c.checkExcludes()
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return c.m, nil
}

// compiler holds the state of one Compile call.
type compiler struct {
	m     *Matcher
	errs  []error
	names map[string]bool
	z     tokenizer // collect mode, case folded
	zk    tokenizer // collect mode, case kept
}

func (c *compiler) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *compiler) watch(wi int32, w Watch) {
	switch {
	case strings.TrimSpace(w.Name) == "":
		c.errorf("watch %d: empty name", wi+1)
	case c.names[w.Name]:
		c.errorf("watch %q: duplicate name", w.Name)
	case len(w.Terms) == 0 && w.Query == nil:
		c.errorf("watch %q: no terms", w.Name)
	case w.MinMentions < 0:
		c.errorf("watch %q: min_mentions %d: must not be negative", w.Name, w.MinMentions)
	}
	c.names[w.Name] = true
	c.m.index[w.Name] = int(wi)
	cw := compiledWatch{name: w.Name, minMentions: w.MinMentions}
	for ti, t := range w.Terms {
		cw.terms = append(cw.terms, c.term(wi, int32(ti), w.Name, t))
		cw.excludes = cw.excludes || len(t.Exclude) > 0
	}
	if w.Query != nil {
		cw.query = c.query(wi, &cw, w.Query)
	}
	c.m.watches = append(c.m.watches, cw)
}

// term compiles one configured term: its name (unless listed as
// case-sensitive), its variants and its exclude phrases.
func (c *compiler) term(wi, ti int32, watch string, t Term) compiledTerm {
	ct := compiledTerm{name: t.Name, counted: true}
	if strings.TrimSpace(t.Name) == "" {
		c.errorf("watch %q: term %d: empty name", watch, ti+1)
		return ct
	}
	spellings := make([]Variant, 0, len(t.Variants)+1)
	nameCased := false
	for _, v := range t.Variants {
		nameCased = nameCased || v.CaseSensitive && v.Text == t.Name
	}
	if !nameCased {
		spellings = append(spellings, Variant{Text: t.Name})
	}
	spellings = append(spellings, t.Variants...)
	for vi, v := range spellings {
		ct.spellings = append(ct.spellings, v.Text)
		o := output{watch: wi, term: ti, variant: int32(vi), kind: kindSpelling, cased: -1}
		if err := c.add(v.Text, false, v.CaseSensitive, o); err != nil {
			c.errorf("watch %q: term %q: variant %q %w", watch, t.Name, v.Text, err)
		}
	}
	for xi, x := range t.Exclude {
		ct.excludes = append(ct.excludes, x)
		o := output{watch: wi, term: ti, variant: int32(xi), kind: kindExclude, cased: -1}
		if err := c.add(x, false, false, o); err != nil {
			c.errorf("watch %q: term %q: exclude %q %w", watch, t.Name, x, err)
		}
	}
	return ct
}

var (
	errEmpty   = errors.New("normalises to nothing: it has no letters or digits")
	errInvalid = errors.New("is not valid UTF-8")
)

// add puts one spelling into the dictionary with output o.
func (c *compiler) add(text string, prefix, caseSensitive bool, o output) error {
	z := &c.z
	z.reset()
	z.tokenize(text)
	if len(z.toks) == 0 {
		return errEmpty
	}
	words := make([][]byte, len(z.toks))
	gaps := make([]gap, len(z.toks))
	for i, t := range z.toks {
		if t.gap == gapBreak {
			return errInvalid
		}
		words[i], gaps[i] = z.folded(t), t.gap
	}
	n := c.m.d.add(words, gaps, prefix)
	if caseSensitive {
		o.cased = c.cased(text)
	}
	c.m.d.addOutput(n, o)
	return nil
}

// cased stores the case-kept words of a case-sensitive spelling.
func (c *compiler) cased(text string) int32 {
	zk := &c.zk
	zk.keepCase = true
	zk.reset()
	zk.tokenize(text)
	cs := casedSpelling{}
	for _, t := range zk.toks {
		w := string(zk.folded(t))
		cs.words = append(cs.words, w)
		cs.cased = append(cs.cased, hasCase(w))
	}
	c.m.d.cased = append(c.m.d.cased, cs)
	return int32(len(c.m.d.cased) - 1)
}

// checkExcludes reports exclude phrases that contain none of their term's
// spellings: they could never cancel anything, which is surely a typo.
func (c *compiler) checkExcludes() {
	sc := new(scratch)
	sc.anyCase = true
	for wi, w := range c.m.watches {
		if !w.excludes {
			continue
		}
		for ti, t := range w.terms {
			for _, x := range t.excludes {
				sc.cands = sc.cands[:0]
				c.m.scan(sc, x, segText)
				found := false
				for _, cd := range sc.cands {
					found = found || cd.watch == int32(wi) && cd.term == int32(ti) && cd.kind == kindSpelling
				}
				if !found {
					c.errorf("watch %q: term %q: exclude %q contains no spelling of the term, so it cannot cancel a hit", w.name, t.name, x)
				}
			}
		}
	}
}
