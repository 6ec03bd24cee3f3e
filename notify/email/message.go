package email

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// Field limits, in runes: a 20 kB title must not fail a delivery.
const (
	MaxTitleRunes   = 500
	MaxSnippetRunes = 1000
	MaxFiredRunes   = 1000
	maxWatchRunes   = 100
	maxSeenRunes    = 200
)

// view is what both body templates render; every string is flattened to
// one line and truncated. Escaping is the templates' job (html/template
// for HTML; the text part needs none).
type view struct {
	ID, Watch, Source, Title string
	Link                     string // http(s) article URL, or "" when not shown
	Published, Found         string
	Matches                  []viewMatch
	Fired                    string
	// Snippet is the snippet cut into plain and hit pieces: the text
	// part joins them with « », the HTML part wraps hits in <mark>, each
	// piece escaped by html/template on its own.
	Snippet     []highlight.Piece
	SnippetText string // Snippet with « » around the hits
}

type viewMatch struct {
	Term  string
	Count int
	Seen  string // spellings that differ from Term, comma-separated
}

const textBody = `{{.Title}}
{{if .Link}}{{.Link}}
{{end}}
Watch:     {{.Watch}}
Source:    {{.Source}}
{{if .Published}}Published: {{.Published}}
{{end}}Found:     {{.Found}}
{{if .Matches}}Matched:   {{range $i, $m := .Matches}}{{if $i}}; {{end}}{{$m.Term}} ×{{$m.Count}}{{if $m.Seen}} (seen as {{$m.Seen}}){{end}}{{end}}
{{end}}{{if .Fired}}Fired:     {{.Fired}}
{{end}}{{if .SnippetText}}
> {{.SnippetText}}
{{end}}
-- 
newshound alert {{.ID}}
`

const htmlBody = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif">
<p style="color: #555">newshound · watch <strong>{{.Watch}}</strong> · {{.Source}} · {{if .Published}}published {{.Published}}{{else}}found {{.Found}}{{end}}</p>
<h2 dir="auto">{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}</h2>
{{if .Matches}}<ul>
{{range .Matches}}<li><strong dir="auto">{{.Term}}</strong> ×{{.Count}}{{if .Seen}} <span dir="auto">(seen as {{.Seen}})</span>{{end}}</li>
{{end}}</ul>
{{end}}{{if .Fired}}<p>Fired: <code dir="auto">{{.Fired}}</code></p>
{{end}}{{if .Snippet}}<blockquote dir="auto">{{range .Snippet}}{{if .Hit}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}{{end}}</blockquote>
{{end}}<p style="color: #888; font-size: small">newshound alert {{.ID}}</p>
</body></html>
`

// message builds the e-mail for an alert.
func (n *Notifier) message(a news.Alert) (*gomail.Msg, error) {
	v := newView(a)
	var text strings.Builder
	if err := n.text.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text part: %w", err)
	}
	htmlPart, err := n.htmlPart([]news.Alert{a}, false, n.html, v)
	if err != nil {
		return nil, err
	}
	return n.newMsg(subject(a.Watch, a.Title), messageID(a.ID), text.String(), htmlPart), nil
}

// htmlPart renders the HTML part: the operator's template when set
// (a render failure is permanent: the same alerts fail the same way),
// else the built-in template with its view.
func (n *Notifier) htmlPart(alerts []news.Alert, digest bool, builtin *htmltemplate.Template, view any) (string, error) {
	if n.template != nil {
		out, err := n.template.Render(alerts, digest)
		if err != nil {
			return "", fmt.Errorf("render html part: %w", err)
		}
		return out, nil
	}
	var buf strings.Builder
	if err := builtin.Execute(&buf, view); err != nil {
		return "", fmt.Errorf("render html part: %w", err)
	}
	return buf.String(), nil
}

// newMsg assembles a message; only From and To come from the
// configuration, every other header from our own sanitized values.
func (n *Notifier) newMsg(subject, id, text, html string) *gomail.Msg {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(n.from)
	m.ToMailAddress(n.to...)
	m.Subject(subject)
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(n.now())
	m.SetUserAgent("newshound")
	// RFC 3834: tell vacation responders not to answer a robot.
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)
	return m
}

func newView(a news.Alert) view {
	v := view{
		ID:        sanitizeHeader(a.ID),
		Watch:     sanitizeHeader(a.Watch),
		Source:    sanitizeHeader(a.Source),
		Title:     sanitizeHeader(textsafe.Truncate(a.Title, MaxTitleRunes)),
		Link:      httpURL(a.URL),
		Published: formatTime(a.Published),
		Found:     formatTime(a.Found),
		Fired:     sanitizeHeader(textsafe.Truncate(a.Fired, MaxFiredRunes)),
		Snippet:   sanitizePieces(highlight.Split(a.Snippet, a.Highlights, MaxSnippetRunes)),
	}
	v.SnippetText = highlight.Mark(v.Snippet, "«", "»")
	if v.Title == "" {
		v.Title = "(untitled)"
	}
	for _, m := range a.Matches {
		var seen []string
		for _, s := range m.Seen {
			if s != m.Term {
				seen = append(seen, sanitizeHeader(textsafe.Truncate(s, maxSeenRunes)))
			}
		}
		v.Matches = append(v.Matches, viewMatch{
			Term: sanitizeHeader(m.Term), Count: m.Count, Seen: strings.Join(seen, ", "),
		})
	}
	return v
}

// subject is "[newshound] <watch>: <title>", one line, unencoded: go-mail
// applies RFC 2047 encoding when it writes the header.
func subject(watch, title string) string {
	t := sanitizeHeader(textsafe.Truncate(title, MaxTitleRunes))
	if t == "" {
		t = "(untitled)"
	}
	return "[newshound] " + sanitizeHeader(textsafe.Truncate(watch, maxWatchRunes)) + ": " + t
}

// sanitizeHeader makes s safe as (part of) a header value: invalid UTF-8
// becomes U+FFFD, every control character (CR, LF, TAB, NUL, ESC, the C1
// range including NEL), Unicode line or paragraph separator and bidi
// control (textsafe.Breaks) becomes a space, runs of spaces collapse to
// one, and the ends are trimmed. A title therefore cannot end the Subject
// header and start another, nor display reordered.
func sanitizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // trims leading spaces
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if r == ' ' || textsafe.Breaks(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSuffix(b.String(), " ")
}

// sanitizePieces applies sanitizeHeader to the snippet as a whole while
// keeping its pieces: runs of spaces collapse across piece edges, the ends
// are trimmed, and pieces left empty are dropped.
func sanitizePieces(ps []highlight.Piece) []highlight.Piece {
	out := make([]highlight.Piece, 0, len(ps))
	space := true // trims leading spaces
	for _, p := range ps {
		var b strings.Builder
		for _, r := range p.Text {
			if r == ' ' || textsafe.Breaks(r) {
				if !space {
					b.WriteByte(' ')
				}
				space = true
				continue
			}
			b.WriteRune(r)
			space = false
		}
		out = append(out, highlight.Piece{Text: b.String(), Hit: p.Hit})
	}
	// Trim the trailing space, which may sit in an earlier piece than
	// the last when the last pieces are empty.
	for i := len(out) - 1; i >= 0; i-- {
		out[i].Text = strings.TrimSuffix(out[i].Text, " ")
		if out[i].Text != "" {
			break
		}
	}
	return slices.DeleteFunc(out, func(p highlight.Piece) bool { return p.Text == "" })
}

// messageID derives "<id>@newshound" from the alert id, stable across
// retries. An id that is not a plain dot-atom is replaced by its hash so
// the header stays well-formed whatever the id holds.
func messageID(id string) string {
	ok := id != "" && len(id) <= 128 && !strings.HasPrefix(id, ".") && !strings.HasSuffix(id, ".") &&
		!strings.Contains(id, "..")
	for _, r := range id {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-+", r))) {
			ok = false
			break
		}
	}
	if !ok {
		sum := sha256.Sum256([]byte(id))
		id = "h" + hex.EncodeToString(sum[:16])
	}
	return id + "@newshound"
}

// httpURL returns raw when it is an absolute http(s) URL, else "": other
// schemes (javascript:, data:) are neither linked nor shown.
func httpURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return ""
	}
	return u.String()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
