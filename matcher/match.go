package matcher

import (
	"cmp"
	"slices"
	"strings"

	"github.com/newshound/newshound/news"
)

// Hit is one watch firing on one article.
type Hit struct {
	Watch string
	// Matches has one entry per term that occurred, in order of first
	// appearance (title before text). Seen lists the distinct surface forms
	// exactly as they appear in the original title or text (without a
	// possessive suffix), in order of first appearance, at most 16 of them;
	// Count is the number of occurrences over title and text.
	Matches []news.Match
	// Snippet is the sentence around the watch's first hit in the text, or
	// the title when the watch fired on the title only: whitespace
	// collapsed, at most 300 runes, cut at word boundaries with "…".
	Snippet string
}

// maxSeen caps the surface forms reported per term: an article that spells
// a name a hundred ways (whitespace variants, say) must not bloat alerts.
const maxSeen = 16

// segment says which part of the article a candidate lies in.
const (
	segTitle uint8 = iota
	segText
)

// candidate is one occurrence of one term of one watch, before overlaps
// within the watch are resolved.
type candidate struct {
	watch, term int32
	seg         uint8
	first, last int32 // token indices, last exclusive
	start, end  int   // byte span in the segment's original string
}

// scratch is the per-call working memory, pooled to keep Match cheap.
type scratch struct {
	z     tokenizer
	ids   []int32
	cands []candidate
	stack []step
}

type step struct {
	node int32
	tok  int32
}

// Match returns one Hit per watch that fires on the article, in watch
// order, or nil when none does.
func (m *Matcher) Match(title, text string) []Hit {
	if m == nil || len(m.nodes) <= 1 {
		return nil
	}
	sc, _ := m.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer m.scratch.Put(sc)
	sc.cands = sc.cands[:0]
	m.scan(sc, title, segTitle)
	m.scan(sc, text, segText)
	if len(sc.cands) == 0 {
		return nil
	}
	slices.SortFunc(sc.cands, func(a, b candidate) int {
		return cmp.Or(
			cmp.Compare(a.watch, b.watch),
			cmp.Compare(a.seg, b.seg),
			cmp.Compare(a.first, b.first),
			cmp.Compare(b.last, a.last), // longest first
			cmp.Compare(a.term, b.term),
		)
	})
	var hits []Hit
	snips := snippets{title: title, text: text}
	for c := sc.cands; len(c) > 0; {
		n := 1
		for n < len(c) && c[n].watch == c[0].watch {
			n++
		}
		hits = append(hits, m.hit(c[:n], &snips))
		c = c[n:]
	}
	return hits
}

// snippets holds the article being matched and memoises snippets within
// one Match call: watches that fire on the same first occurrence share one.
type snippets struct {
	title, text string
	done        []memo
}

type memo struct {
	seg        uint8
	start, end int
	snippet    string
}

func (s *snippets) get(c *candidate) string {
	for _, d := range s.done {
		if d.seg == c.seg && d.start == c.start && d.end == c.end {
			return d.snippet
		}
	}
	src := s.title
	if c.seg == segText {
		src = s.text
	}
	snip := snippet(src, c.start, c.end)
	s.done = append(s.done, memo{c.seg, c.start, c.end, snip})
	return snip
}

// scan tokenizes s and appends a candidate for every occurrence of every
// variant, at every start token, with every length.
func (m *Matcher) scan(sc *scratch, s string, seg uint8) {
	z := &sc.z
	z.reset()
	z.tokenize(s)
	sc.ids = sc.ids[:0]
	for _, t := range z.toks {
		id, ok := m.vocab[string(z.folded(t))]
		if !ok {
			id = -1
		}
		sc.ids = append(sc.ids, id)
	}
	for i, id := range sc.ids {
		if id < 0 {
			continue
		}
		n, ok := m.edges[edgeKey(0, id, false)]
		if !ok {
			continue
		}
		sc.stack = append(sc.stack[:0], step{node: n, tok: int32(i)})
		for len(sc.stack) > 0 {
			st := sc.stack[len(sc.stack)-1]
			sc.stack = sc.stack[:len(sc.stack)-1]
			for _, o := range m.nodes[st.node].out {
				sc.cands = append(sc.cands, candidate{
					watch: o.watch, term: o.term, seg: seg,
					first: int32(i), last: st.tok + 1,
					start: z.toks[i].start, end: z.toks[st.tok].end,
				})
			}
			m.extend(sc, st)
		}
	}
}

// extend pushes the trie states reachable from st with the next token.
func (m *Matcher) extend(sc *scratch, st step) {
	j := st.tok + 1
	if int(j) >= len(sc.ids) || sc.ids[j] < 0 {
		return
	}
	g := sc.z.toks[j].gap
	if g == gapBreak {
		return
	}
	if n, ok := m.edges[edgeKey(st.node, sc.ids[j], true)]; ok {
		sc.stack = append(sc.stack, step{node: n, tok: j})
	}
	if g == gapSoft {
		if n, ok := m.edges[edgeKey(st.node, sc.ids[j], false)]; ok {
			sc.stack = append(sc.stack, step{node: n, tok: j})
		}
	}
}

// hit resolves overlaps among one watch's candidates (sorted by position,
// longest first) leftmost-longest, and reports the rest.
func (m *Matcher) hit(cands []candidate, snips *snippets) Hit {
	w := m.watches[cands[0].watch]
	h := Hit{Watch: w.name}
	index := make([]int, len(w.terms)) // term → 1 + position in h.Matches
	seg, free := uint8(0), int32(0)
	var snip *candidate
	var firstTitle *candidate
	for k := range cands {
		c := &cands[k]
		if c.seg == seg && c.first < free {
			continue
		}
		seg, free = c.seg, c.last
		src := snips.title
		if c.seg == segText {
			src = snips.text
			if snip == nil {
				snip = c
			}
		} else if firstTitle == nil {
			firstTitle = c
		}
		if index[c.term] == 0 {
			h.Matches = append(h.Matches, news.Match{Term: w.terms[c.term]})
			index[c.term] = len(h.Matches)
		}
		mt := &h.Matches[index[c.term]-1]
		mt.Count++
		if form := src[c.start:c.end]; len(mt.Seen) < maxSeen && !slices.Contains(mt.Seen, form) {
			// Clone so that an alert does not pin the whole article.
			mt.Seen = append(mt.Seen, strings.Clone(form))
		}
	}
	if snip == nil {
		snip = firstTitle
	}
	h.Snippet = snips.get(snip)
	return h
}
