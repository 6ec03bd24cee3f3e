package tmpl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"

	"github.com/newshound/newshound/news"
)

// Kind says what a template renders, which picks the template engine, how
// alert fields are escaped and the check made on a sample render.
type Kind int

const (
	// Text is a console line: text/template.
	Text Kind = iota
	// Slack is the mrkdwn text of a Slack message: text/template; string
	// fields arrive already escaped for mrkdwn.
	Slack
	// Webhook is the whole JSON body: text/template with a json function;
	// the output must be valid JSON.
	Webhook
	// HTML is the HTML part of an e-mail: html/template.
	HTML
)

// String names the kind as messages show it.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Slack:
		return "slack"
	case Webhook:
		return "webhook"
	case HTML:
		return "html"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Template is a parsed and checked template. It is safe for concurrent
// use.
type Template struct {
	name string
	kind Kind
	text *texttemplate.Template // Text, Slack, Webhook
	html *htmltemplate.Template // HTML
}

// Parse parses src as a template of kind and renders it once with sample
// alerts (single and digest, with hostile titles), so every error a
// template can make — syntax, unknown field, invalid JSON — comes out
// here, from `newshound check`, and not at send time. name is used in
// messages (the notifier name).
func Parse(name string, kind Kind, src string) (*Template, error) {
	t := &Template{name: name, kind: kind}
	var err error
	switch kind {
	case Text, Slack, Webhook:
		t.text, err = texttemplate.New(name).Option("missingkey=error").Funcs(funcs(kind)).Parse(src)
	case HTML:
		t.html, err = htmltemplate.New(name).Option("missingkey=error").Funcs(funcs(kind)).Parse(src)
	default:
		return nil, fmt.Errorf("%v template %s: unknown kind", kind, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%v template: %w", kind, err)
	}
	for _, s := range samples() {
		if _, err := t.Render(s.alerts, s.digest); err != nil {
			return nil, fmt.Errorf("%w (rendering the sample %s)", err, s.name)
		}
	}
	return t, nil
}

// Kind reports the template's kind; a channel checks it is its own.
func (t *Template) Kind() Kind { return t.kind }

// Name is the name given to Parse.
func (t *Template) Name() string { return t.name }

// Render renders alerts (one alert, or a digest when digest is true).
// For the Webhook kind the output is checked to be JSON; an error here
// means the template cannot render these alerts, and retrying will not
// change that.
func (t *Template) Render(alerts []news.Alert, digest bool) (string, error) {
	if len(alerts) == 0 {
		return "", fmt.Errorf("%v template %s: no alerts to render", t.kind, t.name)
	}
	data := newData(t.kind, alerts, digest)
	var buf bytes.Buffer
	var err error
	if t.html != nil {
		err = t.html.Execute(&buf, data)
	} else {
		err = t.text.Execute(&buf, data)
	}
	if err != nil {
		return "", fmt.Errorf("%v template: %w", t.kind, err)
	}
	out := buf.String()
	if strings.TrimSpace(out) == "" {
		return "", fmt.Errorf("%v template %s renders nothing", t.kind, t.name)
	}
	if t.kind == Webhook {
		if err := checkJSON(buf.Bytes()); err != nil {
			return "", fmt.Errorf("%v template %s: output is not JSON: %w", t.kind, t.name, err)
		}
	}
	return out, nil
}

// checkJSON reports whether b is exactly one JSON value, saying where it
// is not.
func checkJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%w (at byte %d)", err, se.Offset)
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("text after the JSON value (at byte %d)", dec.InputOffset())
	}
	return nil
}

// WatchCount is one watch of a digest and how many of its alerts it
// holds.
type WatchCount struct {
	Watch string
	Count int
}

// CountWatches lists the watches of alerts in order of first appearance
// with their counts: what digest headers and subjects name ("watchA (7),
// watchB (5)"), and the grouping of Data.Watches. Names are raw: the
// caller escapes them for its channel.
func CountWatches(alerts []news.Alert) []WatchCount {
	var out []WatchCount
	index := map[string]int{}
	for _, a := range alerts {
		i, ok := index[a.Watch]
		if !ok {
			i = len(out)
			index[a.Watch] = i
			out = append(out, WatchCount{Watch: a.Watch})
		}
		out[i].Count++
	}
	return out
}
