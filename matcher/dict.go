package matcher

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Term is one thing to look for: an entity under all its names, or a
// keyword.
type Term struct {
	// Name is reported in matches (the entity name or keyword as
	// configured). It is always looked for, whether or not Variants lists it.
	Name string
	// Variants are all spellings to look for (aliases).
	Variants []string
}

// Watch is a named set of terms; it fires when any of them occurs.
type Watch struct {
	Name  string
	Terms []Term
}

// Matcher finds the watches that fire on an article. It is compiled once
// from all watches, is immutable, and is safe for concurrent use.
type Matcher struct {
	watches []compiledWatch
	// vocab numbers every distinct folded token of every variant. A text
	// token that is not in it cannot be part of any match.
	vocab map[string]int32
	// The dictionary is a trie over token ids. Node 0 is the root; an edge
	// is keyed by (node, token id, anyGap), where anyGap says the variant
	// had punctuation there and so accepts any separator but invalid
	// UTF-8, while !anyGap demands a soft separator in the text.
	edges map[uint64]int32
	nodes []node
	// scratch holds reusable per-call buffers (*scratch).
	scratch sync.Pool
}

type compiledWatch struct {
	name  string
	terms []string // reported names, by term index
}

// node is a trie state; out lists the terms whose variant ends here, at
// most one per watch (the first term of the watch that declared it).
type node struct {
	out []termRef
}

type termRef struct {
	watch, term int32
}

func edgeKey(from, tok int32, anyGap bool) uint64 {
	k := uint64(from)<<32 | uint64(tok)<<1
	if anyGap {
		k |= 1
	}
	return k
}

// Compile builds a Matcher for watches. It checks every watch and returns
// all problems at once: an empty or duplicate watch name, a watch without
// terms, a term without a name, and any spelling that normalises to
// nothing (it has no letters or digits). A spelling shared by two terms of
// one watch is credited to the first of them.
func Compile(watches []Watch) (*Matcher, error) {
	m := &Matcher{
		watches: make([]compiledWatch, 0, len(watches)),
		vocab:   make(map[string]int32),
		edges:   make(map[uint64]int32),
		nodes:   []node{{}},
	}
	var errs []error
	names := make(map[string]bool, len(watches))
	var z tokenizer
	for wi, w := range watches {
		switch {
		case strings.TrimSpace(w.Name) == "":
			errs = append(errs, fmt.Errorf("watch %d: empty name", wi+1))
		case names[w.Name]:
			errs = append(errs, fmt.Errorf("watch %q: duplicate name", w.Name))
		case len(w.Terms) == 0:
			errs = append(errs, fmt.Errorf("watch %q: no terms", w.Name))
		}
		names[w.Name] = true
		cw := compiledWatch{name: w.Name, terms: make([]string, len(w.Terms))}
		for ti, t := range w.Terms {
			cw.terms[ti] = t.Name
			if strings.TrimSpace(t.Name) == "" {
				errs = append(errs, fmt.Errorf("watch %q: term %d: empty name", w.Name, ti+1))
				continue
			}
			for _, v := range append([]string{t.Name}, t.Variants...) {
				if err := m.add(&z, v, termRef{watch: int32(wi), term: int32(ti)}); err != nil {
					errs = append(errs, fmt.Errorf("watch %q: term %q: %w", w.Name, t.Name, err))
				}
			}
		}
		m.watches = append(m.watches, cw)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// add inserts one spelling of a term into the trie.
func (m *Matcher) add(z *tokenizer, variant string, ref termRef) error {
	z.reset()
	z.tokenize(variant)
	if len(z.toks) == 0 {
		return fmt.Errorf("variant %q normalises to nothing: it has no letters or digits", variant)
	}
	n := int32(0)
	for i, t := range z.toks {
		if t.gap == gapBreak {
			return fmt.Errorf("variant %q is not valid UTF-8", variant)
		}
		key := edgeKey(n, m.tokenID(z.folded(t)), i > 0 && t.gap == gapHard)
		next, ok := m.edges[key]
		if !ok {
			next = int32(len(m.nodes))
			m.nodes = append(m.nodes, node{})
			m.edges[key] = next
		}
		n = next
	}
	for _, o := range m.nodes[n].out {
		if o.watch == ref.watch {
			return nil // an earlier term of this watch has the same spelling
		}
	}
	m.nodes[n].out = append(m.nodes[n].out, ref)
	return nil
}

func (m *Matcher) tokenID(folded []byte) int32 {
	if id, ok := m.vocab[string(folded)]; ok {
		return id
	}
	id := int32(len(m.vocab))
	m.vocab[string(folded)] = id
	return id
}
