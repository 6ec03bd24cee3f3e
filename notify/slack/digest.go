package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/notify/tmpl"
)

// MaxDigest is the most alerts one digest message carries; the
// Dispatcher is told (Channel.DigestSize) never to ask for more.
//
// Slack documents 50 blocks per message and 3000 characters per section,
// but in practice also refuses messages whose blocks hold more than about
// 13,000 characters in all (msg_blocks_too_long, see slackapi/bolt-js
// issue 2509). A digest is therefore a header section plus one section
// per alert of at most digestItemUnits, which keeps MaxDigest alerts
// under maxMessageUnits whatever they hold.
const MaxDigest = 20

const (
	maxMessageUnits  = 12000 // all block texts of one message, UTF-16 units
	digestItemUnits  = 560   // one alert's section in a digest
	digestLinkBytes  = 250   // a longer article URL is not linked in a digest
	digestTitleUnits = 150
	digestMetaUnits  = 150
	digestHeadUnits  = 300
)

// DigestPayload renders up to MaxDigest alerts as one Block Kit message:
//
//	*3 alerts* · detainees (2), sanctions (1)
//	*<https://…|Title>*                          ← one section per alert
//	detainees · wire · 2026-11-25 09:30 UTC · al Hol ×2, CENTCOM ×1
//	> snippet with the *hits* in bold
//
// The fallback text (notifications) is "newshound: 3 alerts: detainees
// (2), sanctions (1)". Every web-controlled string is flattened, cut and
// escaped as in Payload; the link is made only for http(s) URLs of at
// most digestLinkBytes; fired is left out (it is in single messages and
// the other channels). Each alert's section is at most digestItemUnits
// long, the snippet taking what the title and meta line leave. More than
// MaxDigest alerts is an error: splitting is the Dispatcher's job.
func DigestPayload(alerts []news.Alert) ([]byte, error) {
	if len(alerts) == 0 || len(alerts) > MaxDigest {
		return nil, fmt.Errorf("slack digest of %d alerts: want 1 to %d", len(alerts), MaxDigest)
	}
	summary := watchSummary(alerts)
	noun := "alerts"
	if len(alerts) == 1 {
		noun = "alert"
	}
	head := fmt.Sprintf("*%d %s* · %s", len(alerts), noun, textsafe.SlackText(summary, digestHeadUnits, digestHeadUnits))
	blocks := []block{section(head)}
	for _, a := range alerts {
		blocks = append(blocks, section(digestItem(a)))
	}
	return encode(message{
		Text:   textsafe.SlackText(fmt.Sprintf("newshound: %d %s: %s", len(alerts), noun, summary), maxFallbackRunes, maxFallbackRunes),
		Blocks: blocks,
	})
}

func section(s string) block {
	return block{Type: "section", Text: &textObject{Type: "mrkdwn", Text: s}}
}

// watchSummary is "detainees (2), sanctions (1)": the watches in order of
// first appearance with their counts, raw (the caller escapes it).
func watchSummary(alerts []news.Alert) string {
	var parts []string
	for _, w := range tmpl.CountWatches(alerts) {
		parts = append(parts, fmt.Sprintf("%s (%d)", w.Watch, w.Count))
	}
	return strings.Join(parts, ", ")
}

// digestItem is one alert's section text in a digest.
func digestItem(a news.Alert) string {
	title := textsafe.SlackText(a.Title, MaxTitleRunes, digestTitleUnits)
	if title == "" {
		title = "(untitled)"
	}
	head := "*" + title + "*"
	if link := textsafe.SlackLink(a.URL, digestLinkBytes); link != "" {
		head = "*<" + link + "|" + title + ">*"
	}
	when := formatTime(a.Found)
	if !a.Published.IsZero() {
		when = formatTime(a.Published)
	}
	meta := []string{a.Watch, a.Source, when}
	if len(a.Matches) > 0 {
		terms := make([]string, 0, len(a.Matches))
		for _, m := range a.Matches {
			terms = append(terms, fmt.Sprintf("%s ×%d", m.Term, m.Count))
		}
		meta = append(meta, strings.Join(terms, ", "))
	}
	out := head + "\n" + textsafe.SlackText(strings.Join(meta, " · "), digestMetaUnits, digestMetaUnits)
	if rest := digestItemUnits - textsafe.SlackUnits(out) - len("\n> "); a.Snippet != "" && rest > 20 {
		out += "\n> " + highlight.SlackMarked(a.Snippet, a.Highlights, MaxSnippetRunes, rest)
	}
	return out
}

// TemplatePayload places the mrkdwn text a Slack template rendered in a
// message: the text, cut to maxMessageUnits, goes into as few section
// blocks as fit 2900 units each (cut between lines where possible), and
// its first maxFallbackRunes into the fallback text. Cuts never split an
// entity such as &lt;. Link unfurling is off as in Payload.
func TemplatePayload(rendered string) ([]byte, error) {
	rendered = cutMrkdwn(strings.ToValidUTF8(rendered, "\uFFFD"), maxMessageUnits)
	var blocks []block
	for _, s := range splitSections(rendered, maxSectionRunes) {
		if strings.TrimSpace(s) != "" {
			blocks = append(blocks, section(s))
		}
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("slack template rendered no text")
	}
	return encode(message{Text: cutMrkdwn(rendered, maxFallbackRunes), Blocks: blocks})
}

// splitSections cuts s into pieces of at most max UTF-16 units, at line
// ends when a line fits, else inside the line with cutMrkdwn.
func splitSections(s string, max int) []string {
	var out []string
	var cur strings.Builder
	n := 0
	for _, line := range strings.SplitAfter(s, "\n") {
		w := textsafe.SlackUnits(line)
		if n+w > max && n > 0 {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if w > max {
			line = cutMrkdwn(line, max)
			w = textsafe.SlackUnits(line)
		}
		cur.WriteString(line)
		n += w
	}
	if n > 0 {
		out = append(out, cur.String())
	}
	return out
}

// cutMrkdwn cuts escaped mrkdwn to at most max UTF-16 units, ending in
// "…" when cut, never inside an entity (&amp; &lt; &gt;).
func cutMrkdwn(s string, max int) string {
	if textsafe.SlackUnits(s) <= max {
		return s
	}
	n, end := 0, 0
	for i := 0; i < len(s); {
		size, w := 1, 1
		switch {
		case strings.HasPrefix(s[i:], "&amp;"):
			size, w = 5, 5
		case strings.HasPrefix(s[i:], "&lt;"), strings.HasPrefix(s[i:], "&gt;"):
			size, w = 4, 4
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			w = utf16.RuneLen(r)
		}
		if n+w > max-1 {
			break
		}
		n += w
		i += size
		end = i
	}
	return s[:end] + "…"
}

// encode writes msg as JSON without Go's HTML escaping: Slack decodes
// \u003c as well as <, and plain characters keep golden files readable.
func encode(msg message) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		return nil, fmt.Errorf("encode slack message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
