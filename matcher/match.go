package matcher

import "github.com/newshound/newshound/news"

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
//
// The hits are first gathered in the pooled scratch, pointing into the
// article, and then copied out with a fixed number of allocations per
// call (hits, matches, surface forms, highlights and one string holding
// every form and snippet), not a few per hit: at 10,000 terms the
// allocations per article were a visible share of the matching cost.
func (m *Matcher) Match(title, text string) []Hit {
	if m == nil || len(m.watches) == 0 {
		return nil
	}
	sc := m.getScratch()
	defer m.scratch.Put(sc)
	m.collect(sc, title, text)
	art := article{title: title, text: text, memo: sc.out.memo[:0], out: &sc.out}
	sc.out.reset()
	for c := sc.cands; len(c) > 0; {
		n := 1
		for n < len(c) && c[n].watch == c[0].watch {
			n++
		}
		wi := c[0].watch
		if o := m.evaluate(sc, wi, c[:n]); o.fires {
			m.hit(sc, wi, c[:n], &art, &o)
		}
		c = c[n:]
	}
	hits := sc.out.export()
	sc.out.memo = art.memo
	sc.out.clear()
	return hits
}

// hit records a firing watch in sc.out: its counted occurrences (sc.acc),
// what fired, and the snippet with highlights.
func (m *Matcher) hit(sc *scratch, wi int32, cands []candidate, art *article, o *outcome) {
	w := &m.watches[wi]
	out := &sc.out
	h := hitRec{watch: w.name, fired: o.fired, m0: len(out.matches), h0: len(out.spans)}
	index := sc.resize(len(w.terms)) // term → 1 + position in the hit's matches
	for t := range index {
		index[t] = 0
	}
	for _, ai := range sc.acc {
		c := &cands[ai]
		if index[c.term] == 0 {
			out.matches = append(out.matches, matchRec{term: w.terms[c.term].name})
			index[c.term] = int32(len(out.matches) - h.m0)
		}
		out.matches[h.m0+int(index[c.term])-1].count++
	}
	out.listForms(h.m0, sc.acc, cands, index, art)
	h.m1 = len(out.matches)
	var sn snip
	sn, h.snip = art.snippet(o.anchor.seg, o.anchor.start, o.anchor.end)
	if h.snip < 0 {
		h.snip = out.addText(sn.text)
	}
	spans := sc.spans[:0]
	for _, ai := range sc.acc {
		if c := &cands[ai]; c.seg == o.anchor.seg && c.start >= sn.a && c.end <= sn.b {
			spans = append(spans, span{c.start, c.end})
		}
	}
	sc.spans = spans
	out.spans = sn.appendHighlights(out.spans, art.src(o.anchor.seg), spans)
	h.h1 = len(out.spans)
	out.hits = append(out.hits, h)
}

// article holds the text being matched and memoises snippets within one
// call: watches that fire on the same occurrence share one.
type article struct {
	title, text string
	memo        []memo
	out         *hitScratch
}

type memo struct {
	seg        uint8
	start, end int
	snip       snip
	text       int // index of the snippet's text in hitScratch.texts
}

// maxMemo bounds the linear search of the memo.
const maxMemo = 32

func (a *article) src(seg uint8) string {
	if seg == segTitle {
		return a.title
	}
	return a.text
}

// snippet returns the snippet around src(seg)[start:end] and the index of
// its text in a.out.texts, or -1 when the caller must add it.
func (a *article) snippet(seg uint8, start, end int) (snip, int) {
	for i := range a.memo {
		if m := &a.memo[i]; m.seg == seg && m.start == start && m.end == end {
			return m.snip, m.text
		}
	}
	s := makeSnippet(a.src(seg), start, end)
	if len(a.memo) < maxMemo && a.out != nil {
		t := a.out.addText(s.text)
		a.memo = append(a.memo, memo{seg, start, end, s, t})
		return s, t
	}
	return s, -1
}
