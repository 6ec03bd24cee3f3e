package slack

import (
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// Limits, in runes. Titles and snippets are cut in source runes first (as
// every channel does), then the escaped mrkdwn is kept under Slack's
// 3000-character limit for a section's text.
const (
	MaxTitleRunes    = 500
	MaxSnippetRunes  = 1000
	maxFiredRunes    = 1000
	maxFieldRunes    = 200  // watch, source
	maxSectionRunes  = 2900 // Slack allows 3000; room for our markup
	maxFallbackRunes = 300  // notification preview
)

// message is an incoming-webhook request body.
type message struct {
	Text        string  `json:"text"`
	Blocks      []block `json:"blocks"`
	UnfurlLinks bool    `json:"unfurl_links"`
	UnfurlMedia bool    `json:"unfurl_media"`
}

type block struct {
	Type     string       `json:"type"`
	Text     *textObject  `json:"text,omitempty"`
	Elements []textObject `json:"elements,omitempty"`
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func mrkdwn(s string) textObject { return textObject{Type: "mrkdwn", Text: s} }

// Payload renders the Block Kit message for an alert: a section with the
// title linked to the article, a context line with watch, source and time,
// a section with the matched terms and the spellings seen, a section
// "Fired: `<query branch>`" (inline code, so the query's own * and _ stay
// literal; left out when Fired is empty), and the snippet as a quote with
// the hits in bold (see markedSnippet). Every web-controlled string is
// flattened to one line, truncated and escaped; the article URL is linked
// only when it is http(s). Link unfurling is off: the preview would be fetched and shown
// from content we do not control. Payload depends only on the alert.
func Payload(a news.Alert) ([]byte, error) {
	title := textsafe.SlackText(a.Title, MaxTitleRunes, maxSectionRunes-maxLinkBytes-8)
	if title == "" {
		title = "(untitled)"
	}
	head := "*" + title + "*"
	if link := textsafe.SlackLink(a.URL, maxLinkBytes); link != "" {
		head = "*<" + link + "|" + title + ">*"
	}
	blocks := []block{
		{Type: "section", Text: &textObject{Type: "mrkdwn", Text: head}},
		{Type: "context", Elements: contextLine(a)},
	}
	// A source-health notice has no matches: no empty "Matched:" line.
	if len(a.Matches) > 0 {
		blocks = append(blocks, block{Type: "section", Text: &textObject{Type: "mrkdwn", Text: "*Matched:* " + matched(a.Matches)}})
	}
	if a.Fired != "" {
		blocks = append(blocks, block{Type: "section", Text: &textObject{Type: "mrkdwn", Text: "*Fired:* " + fired(a.Fired)}})
	}
	if a.Snippet != "" {
		snippet := highlight.SlackPieces(highlight.Split(a.Snippet, highlight.SlackWordSpans(a.Snippet, a.Highlights), MaxSnippetRunes), maxSectionRunes)
		blocks = append(blocks, block{Type: "section", Text: &textObject{Type: "mrkdwn", Text: "> " + snippet}})
	}
	msg := message{
		Text:   textsafe.SlackText("["+a.Watch+"] "+a.Title, maxFallbackRunes, maxFallbackRunes*5),
		Blocks: blocks,
	}
	return encode(msg)
}

func contextLine(a news.Alert) []textObject {
	when := "*Found:* " + formatTime(a.Found)
	if !a.Published.IsZero() {
		when = "*Published:* " + formatTime(a.Published)
	}
	return []textObject{
		mrkdwn("*Watch:* " + textsafe.SlackText(a.Watch, maxFieldRunes, maxFieldRunes*5)),
		mrkdwn("*Source:* " + textsafe.SlackText(a.Source, maxFieldRunes, maxFieldRunes*5)),
		mrkdwn(when),
	}
}

// matched renders "al Hol ×2 (al-Hol, الهول) · CENTCOM ×1": each term with
// its count and the spellings seen that differ from it, escaped as a whole
// and kept within one section.
func matched(ms []news.Match) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		p := fmt.Sprintf("%s ×%d", m.Term, m.Count)
		var seen []string
		for _, s := range m.Seen {
			if s != m.Term {
				seen = append(seen, s)
			}
		}
		if len(seen) > 0 {
			p += " (" + strings.Join(seen, ", ") + ")"
		}
		parts = append(parts, p)
	}
	return textsafe.SlackText(strings.Join(parts, " · "), maxSectionRunes, maxSectionRunes)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
