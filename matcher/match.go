package matcher

import (
	"slices"
	"strings"

	"github.com/newshound/newshound/news"
)

// Hit is one watch firing on one article.
type Hit struct {
	Watch string
	// Matches has one entry per counted term that occurred, in order of
	// first appearance (title before text). Seen lists the distinct surface
	// forms exactly as they appear in the original title or text (without
	// a possessive suffix), in order of first appearance, at most 16 of
	// them; Count is the number of occurrences over title and text. A
	// query-only term is reported under its query text (`transfer*`).
	Matches []news.Match
	// Fired is what made the watch fire: the satisfied branch of the query
	// (`"al Hol" AND transfer* AND NOT football`), or without a query the
	// name of the first term found.
	Fired string
	// Snippet is the sentence around the first occurrence that made the
	// watch fire, in the text, or in the title when there is none in the
	// text: whitespace collapsed, at most 300 runes, cut at word boundaries
	// with "…".
	Snippet string
	// Highlights are the byte ranges inside Snippet of the watch's counted
	// occurrences shown in it, in order and not overlapping.
	Highlights []news.Span
}

// maxSeen caps the surface forms reported per term: an article that spells
// a name a hundred ways (whitespace variants, say) must not bloat alerts.
const maxSeen = 16

// Match returns one Hit per watch that fires on the article, in watch
// order, or nil when none does.
func (m *Matcher) Match(title, text string) []Hit {
	if m == nil || len(m.watches) == 0 {
		return nil
	}
	sc := m.getScratch()
	defer m.scratch.Put(sc)
	m.collect(sc, title, text)
	var hits []Hit
	art := article{title: title, text: text}
	for c := sc.cands; len(c) > 0; {
		n := 1
		for n < len(c) && c[n].watch == c[0].watch {
			n++
		}
		wi := c[0].watch
		if o := m.evaluate(sc, wi, c[:n]); o.fires {
			hits = append(hits, m.hit(sc, wi, c[:n], &art, &o))
		}
		c = c[n:]
	}
	return hits
}

// hit reports a firing watch: its counted occurrences (sc.acc), what
// fired, and the snippet with highlights.
func (m *Matcher) hit(sc *scratch, wi int32, cands []candidate, art *article, o *outcome) Hit {
	w := &m.watches[wi]
	h := Hit{Watch: w.name, Fired: o.fired}
	index := sc.resize(len(w.terms)) // term → 1 + position in h.Matches
	for t := range index {
		index[t] = 0
	}
	for _, ai := range sc.acc {
		c := &cands[ai]
		if index[c.term] == 0 {
			h.Matches = append(h.Matches, news.Match{Term: w.terms[c.term].name})
			index[c.term] = int32(len(h.Matches))
		}
		mt := &h.Matches[index[c.term]-1]
		mt.Count++
		if form := art.src(c.seg)[c.start:c.end]; len(mt.Seen) < maxSeen && !slices.Contains(mt.Seen, form) {
			// Clone so that an alert does not pin the whole article.
			mt.Seen = append(mt.Seen, strings.Clone(form))
		}
	}
	sn := art.snippet(o.anchor.seg, o.anchor.start, o.anchor.end)
	h.Snippet = sn.text
	spans := sc.spans[:0]
	for _, ai := range sc.acc {
		if c := &cands[ai]; c.seg == o.anchor.seg && c.start >= sn.a && c.end <= sn.b {
			spans = append(spans, span{c.start, c.end})
		}
	}
	sc.spans = spans
	h.Highlights = sn.highlights(art.src(o.anchor.seg), spans)
	return h
}

// article holds the text being matched and memoises snippets within one
// call: watches that fire on the same occurrence share one.
type article struct {
	title, text string
	memo        []memo
}

type memo struct {
	seg        uint8
	start, end int
	snip       snip
}

// maxMemo bounds the linear search of the memo.
const maxMemo = 32

func (a *article) src(seg uint8) string {
	if seg == segTitle {
		return a.title
	}
	return a.text
}

func (a *article) snippet(seg uint8, start, end int) snip {
	for i := range a.memo {
		if m := &a.memo[i]; m.seg == seg && m.start == start && m.end == end {
			return m.snip
		}
	}
	s := makeSnippet(a.src(seg), start, end)
	if len(a.memo) < maxMemo {
		a.memo = append(a.memo, memo{seg, start, end, s})
	}
	return s
}
