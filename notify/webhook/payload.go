package webhook

import (
	"encoding/json"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
)

// Field limits, in runes. Web pages can carry titles of any length; the
// receiver gets a bounded one rather than a failed delivery.
const (
	MaxTitleRunes   = 500
	MaxSnippetRunes = 1000
	maxSeenRunes    = 200
)

// payload is the JSON body. Field order is the documented order.
type payload struct {
	ID        string  `json:"id"`
	Watch     string  `json:"watch"`
	Source    string  `json:"source,omitempty"`
	URL       string  `json:"url,omitempty"`
	Title     string  `json:"title,omitempty"`
	Published string  `json:"published,omitempty"`
	Found     string  `json:"found,omitempty"`
	Matches   []match `json:"matches"`
	Snippet   string  `json:"snippet,omitempty"`
}

type match struct {
	Term  string   `json:"term"`
	Seen  []string `json:"seen"`
	Count int      `json:"count"`
}

// Payload renders the request body for an alert:
//
//	{"id": "nh_…", "watch": "…", "source": "…", "url": "…", "title": "…",
//	 "published": "2026-11-25T09:30:00Z", "found": "2026-11-25T10:00:00Z",
//	 "matches": [{"term": "al Hol", "seen": ["al-Hol"], "count": 2}],
//	 "snippet": "…"}
//
// Times are UTC, RFC 3339 with whole seconds. Empty or unknown fields are
// omitted (published when the time is unknown, snippet when empty); id,
// watch and matches are always present, and seen is always an array. The
// title is cut to MaxTitleRunes and the snippet to MaxSnippetRunes, ending
// in "…" when cut. Invalid UTF-8 becomes U+FFFD. Go's encoder escapes <, >
// and & as \u003c etc., so the body is also safe to paste into HTML.
// Payload depends only on the alert, so every retry sends the same bytes.
func Payload(a news.Alert) ([]byte, error) {
	p := payload{
		ID:        a.ID,
		Watch:     a.Watch,
		Source:    a.Source,
		URL:       a.URL,
		Title:     notify.Truncate(a.Title, MaxTitleRunes),
		Published: formatTime(a.Published),
		Found:     formatTime(a.Found),
		Matches:   make([]match, 0, len(a.Matches)),
		Snippet:   notify.Truncate(a.Snippet, MaxSnippetRunes),
	}
	for _, m := range a.Matches {
		seen := make([]string, 0, len(m.Seen))
		for _, s := range m.Seen {
			seen = append(seen, notify.Truncate(s, maxSeenRunes))
		}
		p.Matches = append(p.Matches, match{Term: m.Term, Seen: seen, Count: m.Count})
	}
	return json.Marshal(p)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
