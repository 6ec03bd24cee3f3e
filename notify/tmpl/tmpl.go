// Package tmpl renders operator-supplied templates for notifiers.
//
// CONTRACT STUB — owned by the channels helper, who replaces the bodies
// (and this comment) with the real implementation and documents the
// fields. The exported names and signatures below are fixed.
package tmpl

import (
	"errors"

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

// Template is a parsed and checked template.
type Template struct{}

// Parse parses src as a template of kind and renders it once with sample
// alerts (single and digest, with hostile titles), so every error a
// template can make — syntax, unknown field, invalid JSON — comes out
// here, from `newshound check`, and not at send time. name is used in
// messages (the notifier name).
func Parse(name string, kind Kind, src string) (*Template, error) {
	return nil, errors.New("templates are not implemented yet")
}

// Render renders alerts (one alert, or a digest when digest is true).
func (t *Template) Render(alerts []news.Alert, digest bool) (string, error) {
	return "", errors.New("templates are not implemented yet")
}
