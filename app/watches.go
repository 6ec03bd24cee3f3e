package app

import (
	"fmt"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/matcher/query"
)

// MatcherWatches turns configured watches into matcher watches: an
// entity becomes one term reported under its name, matched by the name and
// every alias (each with its own case rule) and cancelled by its exclude
// phrases; a keyword becomes a term of its own; the query, when given, is
// parsed. It is the one place config watches become matcher watches: the
// daemon and the tools (explain, replay, the matcher's labelled quality
// set) all go through here, so they match exactly alike, and the matcher
// itself never sees the config package.
func MatcherWatches(ws []config.Watch) ([]matcher.Watch, error) {
	out := make([]matcher.Watch, 0, len(ws))
	for _, w := range ws {
		mw := matcher.Watch{Name: w.Name, MinMentions: w.MinMentions}
		for _, e := range w.Entities {
			t := matcher.Term{Name: e.Name, Exclude: e.Exclude}
			t.Variants = append(t.Variants, matcher.Variant{Text: e.Name, CaseSensitive: e.CaseSensitive})
			for _, a := range e.Aliases {
				t.Variants = append(t.Variants, matcher.Variant{Text: a.Text, CaseSensitive: a.CaseSensitive})
			}
			mw.Terms = append(mw.Terms, t)
		}
		for _, k := range w.Keywords {
			mw.Terms = append(mw.Terms, matcher.Term{Name: k, Variants: []matcher.Variant{{Text: k}}})
		}
		if w.Query != "" {
			q, err := query.Parse(w.Query)
			if err != nil {
				return nil, fmt.Errorf("watch %s: query: %w", w.Name, err)
			}
			mw.Query = q
		}
		out = append(out, mw)
	}
	return out, nil
}
