package matcher

import (
	"slices"
	"strings"

	"github.com/newshound/newshound/news"
)

// hitScratch gathers the hits of one Match call in reused buffers, with
// strings still pointing into the article, until export copies them out.
type hitScratch struct {
	hits    []hitRec
	matches []matchRec
	forms   []string // surface forms, by match, then in order of appearance
	texts   []string // snippet texts
	spans   []news.Span
	cursor  []int // by match of the current hit: next free slot in forms
	size    int   // bytes of forms and texts
	memo    []memo
}

// hitRec is a Hit whose Matches are out.matches[m0:m1] and whose
// Highlights are out.spans[h0:h1].
type hitRec struct {
	watch, fired string
	snip         int // index into texts
	m0, m1       int
	h0, h1       int
}

// matchRec is a news.Match whose Seen is out.forms[f0:f1].
type matchRec struct {
	term   string
	count  int
	f0, f1 int
}

func (o *hitScratch) reset() {
	o.hits, o.matches, o.forms, o.texts, o.spans = o.hits[:0], o.matches[:0], o.forms[:0], o.texts[:0], o.spans[:0]
	o.size = 0
}

// clear drops the references into the article, so that the pooled scratch
// does not pin it.
func (o *hitScratch) clear() {
	clear(o.forms)
	clear(o.texts)
	clear(o.hits)
	clear(o.matches)
	for i := range o.memo {
		o.memo[i].snip.text = ""
	}
	o.reset()
	o.memo = o.memo[:0]
}

func (o *hitScratch) addText(s string) int {
	o.texts = append(o.texts, s)
	o.size += len(s)
	return len(o.texts) - 1
}

// listForms fills forms for the matches from m0 on (the current hit, whose
// counts are set): each match's distinct surface forms in order of first
// appearance, at most maxSeen. It gives each match a region as large as
// its count, fills the regions in one pass over the occurrences and
// compacts them, so the work stays linear in the occurrences.
func (o *hitScratch) listForms(m0 int, acc []int32, cands []candidate, index []int32, art *article) {
	base, n := len(o.forms), len(o.matches)-m0
	o.cursor = slices.Grow(o.cursor[:0], n)[:n]
	at := base
	for i := range n {
		mr := &o.matches[m0+i]
		mr.f0, o.cursor[i] = at, at
		at += mr.count
	}
	o.forms = slices.Grow(o.forms, at-base)[:at]
	for _, ai := range acc {
		c := &cands[ai]
		i := int(index[c.term]) - 1
		mr, cur := &o.matches[m0+i], o.cursor[i]
		form := art.src(c.seg)[c.start:c.end]
		if cur-mr.f0 < maxSeen && !slices.Contains(o.forms[mr.f0:cur], form) {
			o.forms[cur] = form
			o.cursor[i]++
		}
	}
	at = base
	for i := range n {
		mr := &o.matches[m0+i]
		k := copy(o.forms[at:], o.forms[mr.f0:o.cursor[i]])
		mr.f0, mr.f1 = at, at+k
		for _, f := range o.forms[at : at+k] {
			o.size += len(f)
		}
		at += k
	}
	clear(o.forms[at:])
	o.forms = o.forms[:at]
}

// export copies the gathered hits out: one allocation each for the hits,
// the matches, the forms, the highlights, and one string holding every
// form and snippet text (so that an alert does not pin the article).
func (o *hitScratch) export() []Hit {
	if len(o.hits) == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(o.size)
	for _, f := range o.forms {
		b.WriteString(f)
	}
	for _, t := range o.texts {
		b.WriteString(t)
	}
	all := b.String()
	take := func(n int) string {
		s := all[:n]
		all = all[n:]
		return s
	}
	forms := make([]string, len(o.forms))
	for i, f := range o.forms {
		forms[i] = take(len(f))
	}
	texts := make([]string, len(o.texts))
	for i, t := range o.texts {
		texts[i] = take(len(t))
	}
	matches := make([]news.Match, len(o.matches))
	for i, mr := range o.matches {
		matches[i] = news.Match{Term: mr.term, Count: mr.count, Seen: sub(forms, mr.f0, mr.f1)}
	}
	spans := slices.Clone(o.spans)
	hits := make([]Hit, len(o.hits))
	for i, h := range o.hits {
		hits[i] = Hit{
			Watch: h.watch, Fired: h.fired, Snippet: texts[h.snip],
			Matches: sub(matches, h.m0, h.m1), Highlights: sub(spans, h.h0, h.h1),
		}
	}
	return hits
}

// sub is s[i:j] capped, so that appending to one hit's slice cannot
// overwrite the next; nil when empty, as the hits had before.
func sub[T any](s []T, i, j int) []T {
	if i == j {
		return nil
	}
	return s[i:j:j]
}
