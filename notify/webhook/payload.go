package webhook

import (
	"encoding/json"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// Field limits, in runes. Web pages can carry titles of any length; the
// receiver gets a bounded one rather than a failed delivery.
const (
	MaxTitleRunes   = 500
	MaxSnippetRunes = 1000
	MaxFiredRunes   = 1000
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
	Fired     string  `json:"fired,omitempty"`
	Snippet   string  `json:"snippet,omitempty"`
	// SnippetMarked is Snippet with each hit wrapped in « ».
	SnippetMarked string `json:"snippet_marked,omitempty"`
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
//	 "fired": "\"al Hol\" AND transfer*",
//	 "snippet": "… left the al-Hol camp …",
//	 "snippet_marked": "… left the «al-Hol» camp …"}
//
// fired names the query branch (or, for a watch without a query, the
// term) that made the watch fire. snippet_marked is snippet with each hit
// wrapped in « and »; highlight spans that do not fit the snippet are
// ignored (package highlight), so it may mark fewer hits than were found,
// never wrong ones. Removing the markers the alert added gives snippet.
//
// Times are UTC, RFC 3339 with whole seconds. Empty or unknown fields are
// omitted (published when the time is unknown, fired when empty, snippet
// and snippet_marked when there is no snippet); id, watch and matches are
// always present, and seen is always an array. The title is cut to
// MaxTitleRunes, fired to MaxFiredRunes and the snippet (before marking)
// to MaxSnippetRunes, ending in "…" when cut. Invalid UTF-8 becomes U+FFFD.
// The text fields (watch, source, title, fired, snippet, snippet_marked,
// term, seen) are otherwise as found, line breaks included, except that
// bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
// U+061C) are removed: a receiver may show them to a person, for whom
// "invoice\u202Efdp.exe" reads "invoiceexe.pdf". Go's encoder escapes <, >
// and & as \u003c etc., so the body is also safe to paste into HTML.
// Payload depends only on the alert, so every retry sends the same bytes.
func Payload(a news.Alert) ([]byte, error) {
	return json.Marshal(newPayload(a))
}

// digest is the body of a digest message.
type digest struct {
	ID     string    `json:"id"`
	Count  int       `json:"count"`
	Digest []payload `json:"digest"`
}

// DigestPayload renders the request body for a digest:
//
//	{"id": "dg_…", "count": 2, "digest": [{…}, {…}]}
//
// id is news.DigestID of the alerts (the same on every retry of the same
// chunk, and the webhook-id and Idempotency-Key of the request), count
// the number of alerts, and digest holds, oldest first, exactly the
// object Payload produces for each alert.
func DigestPayload(alerts []news.Alert) ([]byte, error) {
	d := digest{ID: news.DigestID(alerts), Count: len(alerts), Digest: make([]payload, 0, len(alerts))}
	for _, a := range alerts {
		d.Digest = append(d.Digest, newPayload(a))
	}
	return json.Marshal(d)
}

func newPayload(a news.Alert) payload {
	p := payload{
		ID:        a.ID,
		Watch:     textsafe.StripBidi(a.Watch),
		Source:    textsafe.StripBidi(a.Source),
		URL:       a.URL,
		Title:     textsafe.StripBidi(textsafe.Truncate(a.Title, MaxTitleRunes)),
		Published: formatTime(a.Published),
		Found:     formatTime(a.Found),
		Matches:   make([]match, 0, len(a.Matches)),
		Fired:     textsafe.StripBidi(textsafe.Truncate(a.Fired, MaxFiredRunes)),
		Snippet:   textsafe.StripBidi(textsafe.Truncate(a.Snippet, MaxSnippetRunes)),
	}
	if a.Snippet != "" {
		// Marked first: the highlight spans are offsets into the snippet
		// as found.
		p.SnippetMarked = textsafe.StripBidi(highlight.Mark(highlight.Split(a.Snippet, a.Highlights, MaxSnippetRunes), "«", "»"))
	}
	for _, m := range a.Matches {
		seen := make([]string, 0, len(m.Seen))
		for _, s := range m.Seen {
			seen = append(seen, textsafe.StripBidi(textsafe.Truncate(s, maxSeenRunes)))
		}
		p.Matches = append(p.Matches, match{Term: textsafe.StripBidi(m.Term), Seen: seen, Count: m.Count})
	}
	return p
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
