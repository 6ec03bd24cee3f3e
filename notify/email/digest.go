package email

import (
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/tmpl"
)

// MaxDigest is the most alerts one digest e-mail carries (the Dispatcher's
// Channel.DigestSize): about 1 MB of HTML at worst, far below common
// message size limits, and as much as anyone reads in one sitting.
const MaxDigest = 200

// Subject limits, in runes: a watch name in the list, and the whole list.
const (
	maxSubjectWatchRunes = 60
	maxSubjectListRunes  = 160
)

// digestView is what the digest templates render.
type digestView struct {
	ID      string
	Count   int
	Subject string
	Watches []watchView
}

type watchView struct {
	Name   string
	Count  int
	Alerts []view
}

const digestTextBody = `newshound digest: {{.Count}} alert{{if ne .Count 1}}s{{end}}
{{range .Watches}}
== {{.Name}} ({{.Count}}) ==
{{range .Alerts}}
* {{.Title}}
{{if .Link}}  {{.Link}}
{{end}}  {{.Source}} · {{if .Published}}published {{.Published}}{{else}}found {{.Found}}{{end}}
{{if .Matches}}  Matched: {{range $i, $m := .Matches}}{{if $i}}; {{end}}{{$m.Term}} ×{{$m.Count}}{{if $m.Seen}} (seen as {{$m.Seen}}){{end}}{{end}}
{{end}}{{if .Fired}}  Fired: {{.Fired}}
{{end}}{{if .SnippetText}}  > {{.SnippetText}}
{{end}}{{end}}{{end}}
-- 
newshound digest {{.ID}}
`

const digestHTMLBody = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif">
<p style="color: #555">newshound digest · {{.Count}} alert{{if ne .Count 1}}s{{end}}</p>
{{range .Watches}}<h2 dir="auto">{{.Name}} ({{.Count}})</h2>
{{range .Alerts}}<h3 dir="auto">{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}</h3>
<p style="color: #555">{{.Source}} · {{if .Published}}published {{.Published}}{{else}}found {{.Found}}{{end}}</p>
{{if .Matches}}<p>{{range $i, $m := .Matches}}{{if $i}}; {{end}}<strong dir="auto">{{$m.Term}}</strong> ×{{$m.Count}}{{if $m.Seen}} <span dir="auto">(seen as {{$m.Seen}})</span>{{end}}{{end}}</p>
{{end}}{{if .Fired}}<p>Fired: <code dir="auto">{{.Fired}}</code></p>
{{end}}{{if .Snippet}}<blockquote dir="auto">{{range .Snippet}}{{if .Hit}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}{{end}}</blockquote>
{{end}}{{end}}{{end}}<p style="color: #888; font-size: small">newshound digest {{.ID}}</p>
</body></html>
`

// digestMessage builds one e-mail for up to MaxDigest alerts: the
// subject names the count and the watches (digestSubject), the parts
// hold one section per watch, in order of first appearance, with its
// alerts oldest first, each shown as in a single alert's message. The
// Message-ID is derived from news.DigestID of the alerts, so a retry of
// the same chunk carries the same id.
func (n *Notifier) digestMessage(alerts []news.Alert) (*gomail.Msg, error) {
	if len(alerts) == 0 || len(alerts) > MaxDigest {
		return nil, fmt.Errorf("digest of %d alerts: want 1 to %d", len(alerts), MaxDigest)
	}
	id := news.DigestID(alerts)
	v := digestView{ID: id, Count: len(alerts), Subject: digestSubject(alerts)}
	index := map[string]int{}
	for _, a := range alerts {
		i, ok := index[a.Watch]
		if !ok {
			i = len(v.Watches)
			index[a.Watch] = i
			v.Watches = append(v.Watches, watchView{Name: sanitizeHeader(textsafe.Truncate(a.Watch, maxWatchRunes))})
		}
		v.Watches[i].Count++
		v.Watches[i].Alerts = append(v.Watches[i].Alerts, newView(a))
	}
	var text strings.Builder
	if err := n.digestText.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text part: %w", err)
	}
	htmlPart, err := n.htmlPart(alerts, true, n.digestHTML, v)
	if err != nil {
		return nil, err
	}
	return n.newMsg(v.Subject, messageID(id), text.String(), htmlPart), nil
}

// digestSubject is "[newshound] 12 alerts: watchA (7), watchB (5)": one
// line, each watch name sanitized and cut to maxSubjectWatchRunes, the
// list cut to maxSubjectListRunes ("…" when cut). go-mail MIME-encodes
// it when writing the header.
func digestSubject(alerts []news.Alert) string {
	var parts []string
	for _, w := range tmpl.CountWatches(alerts) {
		name := sanitizeHeader(textsafe.Truncate(w.Watch, maxSubjectWatchRunes))
		parts = append(parts, fmt.Sprintf("%s (%d)", name, w.Count))
	}
	noun := "alerts"
	if len(alerts) == 1 {
		noun = "alert"
	}
	list := textsafe.Truncate(strings.Join(parts, ", "), maxSubjectListRunes)
	return fmt.Sprintf("[newshound] %d %s: %s", len(alerts), noun, list)
}
