package tmpl

import (
	"encoding/json"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// Field limits, in runes of source text, the same in every kind.
const (
	maxTitleRunes   = 500
	maxSnippetRunes = 1000
	maxFiredRunes   = 1000
	maxFieldRunes   = 200 // id, watch, source, terms, spellings
	maxURLRunes     = 2000
	// maxSlackOut bounds one escaped Slack field in UTF-16 units, under
	// the 3000 of a section.
	maxSlackOut = 2900
	// maxSlackLink bounds a Slack link target; a longer URL is not linked.
	maxSlackLink = 1000
)

// Data is the dot of a template; see the package documentation.
type Data struct {
	ID      string
	Digest  bool
	Count   int
	Alert   AlertData
	Alerts  []AlertData
	Watches []WatchData
}

// AlertData is one alert as a template sees it, escaped for its kind.
type AlertData struct {
	ID, Watch, Source, URL, Title string
	Published, Found              time.Time
	Matches                       []MatchData
	Fired                         string
	Snippet                       string
	// SnippetMarked is a string, or template.HTML in the HTML kind.
	SnippetMarked any
	Notice        bool
}

// MatchData is one matched term.
type MatchData struct {
	Term  string
	Count int
	Seen  []string
}

// WatchData groups a digest's alerts by watch.
type WatchData struct {
	Name   string
	Count  int
	Alerts []AlertData
}

func newData(kind Kind, alerts []news.Alert, digest bool) Data {
	d := Data{Digest: digest, Count: len(alerts), ID: alerts[0].ID}
	if digest {
		d.ID = news.DigestID(alerts)
	}
	byWatch := map[string]int{}
	for _, a := range alerts {
		ad := alertData(kind, a)
		d.Alerts = append(d.Alerts, ad)
		i, ok := byWatch[a.Watch]
		if !ok {
			i = len(d.Watches)
			byWatch[a.Watch] = i
			d.Watches = append(d.Watches, WatchData{Name: ad.Watch})
		}
		d.Watches[i].Count++
		d.Watches[i].Alerts = append(d.Watches[i].Alerts, ad)
	}
	d.Alert = d.Alerts[0]
	return d
}

// field renders an untrusted string for kind, cut to max runes.
func field(kind Kind, s string, max int) string {
	switch kind {
	case Text:
		return textsafe.Flatten(textsafe.Truncate(s, max))
	case Slack:
		return textsafe.SlackText(s, max, maxSlackOut)
	}
	// Webhook, HTML: the engine or json escapes; bidi controls go, as in
	// every channel, so a title cannot display reordered.
	return textsafe.StripBidi(textsafe.Truncate(s, max))
}

func alertData(kind Kind, a news.Alert) AlertData {
	ad := AlertData{
		ID:        field(kind, a.ID, maxFieldRunes),
		Watch:     field(kind, a.Watch, maxFieldRunes),
		Source:    field(kind, a.Source, maxFieldRunes),
		URL:       linkURL(kind, a.URL),
		Title:     field(kind, a.Title, maxTitleRunes),
		Published: a.Published,
		Found:     a.Found,
		Fired:     field(kind, a.Fired, maxFiredRunes),
		Snippet:   field(kind, a.Snippet, maxSnippetRunes),
		Notice:    news.IsNotice(a.Watch),
	}
	pieces := highlight.Split(a.Snippet, a.Highlights, maxSnippetRunes)
	switch kind {
	case Text:
		ad.SnippetMarked = textsafe.Flatten(highlight.Mark(pieces, "«", "»"))
	case Slack:
		ad.SnippetMarked = highlight.SlackMarked(a.Snippet, a.Highlights, maxSnippetRunes, maxSlackOut)
	case Webhook:
		ad.SnippetMarked = textsafe.StripBidi(highlight.Mark(pieces, "«", "»"))
	case HTML:
		for i := range pieces {
			pieces[i].Text = textsafe.StripBidi(pieces[i].Text)
		}
		// Safe by construction: every piece is escaped, <mark> is ours.
		ad.SnippetMarked = htmltemplate.HTML(highlight.HTML(pieces)) //nolint:gosec
	}
	ad.Matches = make([]MatchData, 0, len(a.Matches))
	for _, m := range a.Matches {
		md := MatchData{Term: field(kind, m.Term, maxFieldRunes), Count: m.Count, Seen: make([]string, 0, len(m.Seen))}
		for _, s := range m.Seen {
			md.Seen = append(md.Seen, field(kind, s, maxFieldRunes))
		}
		ad.Matches = append(ad.Matches, md)
	}
	return ad
}

// linkURL is the article URL for kind: raw (valid UTF-8, bounded) for
// Webhook, flattened for Text; for Slack the link target made safe for
// <url|text>, and for HTML the URL itself, both only when it is absolute
// http(s) — a javascript: URL is never offered as a link.
func linkURL(kind Kind, raw string) string {
	switch kind {
	case Slack:
		return textsafe.SlackLink(raw, maxSlackLink)
	case HTML:
		if !isHTTP(raw) || len(raw) > maxURLRunes {
			return ""
		}
		return strings.ToValidUTF8(raw, "\uFFFD")
	}
	return field(kind, raw, maxURLRunes)
}

func isHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

// funcs are the functions every kind gets; truncate knows Slack entities.
func funcs(kind Kind) map[string]any {
	return map[string]any{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"truncate": func(n int, s string) string {
			if n < 1 {
				return ""
			}
			if kind == Slack {
				return textsafe.TruncateMrkdwn(s, n)
			}
			return textsafe.Truncate(s, n)
		},
		"date": func(layout string, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(layout)
		},
	}
}
