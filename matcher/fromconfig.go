package matcher

import (
	"fmt"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher/query"
)

// WatchesFromConfig turns configured watches into matcher watches: an
// entity becomes one term reported under its name, matched by the name and
// every alias (each with its own case rule) and cancelled by its exclude
// phrases; a keyword becomes a term of its own; the query, when given, is
// parsed. The app and the tools (explain, replay, the quality set) all go
// through here, so they match exactly alike.
func WatchesFromConfig(ws []config.Watch) ([]Watch, error) {
	out := make([]Watch, 0, len(ws))
	for _, w := range ws {
		mw := Watch{Name: w.Name, MinMentions: w.MinMentions}
		for _, e := range w.Entities {
			t := Term{Name: e.Name, Exclude: e.Exclude}
			t.Variants = append(t.Variants, Variant{Text: e.Name, CaseSensitive: e.CaseSensitive})
			for _, a := range e.Aliases {
				t.Variants = append(t.Variants, Variant{Text: a.Text, CaseSensitive: a.CaseSensitive})
			}
			mw.Terms = append(mw.Terms, t)
		}
		for _, k := range w.Keywords {
			mw.Terms = append(mw.Terms, Term{Name: k, Variants: []Variant{{Text: k}}})
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
