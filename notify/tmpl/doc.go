// Package tmpl renders operator-supplied templates for notifiers (the
// `template:` of a notifier in the config), in place of a channel's
// built-in format, which stays the default.
//
// # Kinds
//
// A template has a Kind, which picks the engine, how alert fields are
// escaped before the template sees them, and what the output must be:
//
//   - Text (console): text/template. Every string field is flattened to
//     one line (control characters, line separators and bidirectional
//     controls become spaces), so web content cannot forge a line; the
//     template's own line breaks are kept.
//   - Slack: text/template rendering the mrkdwn text of the message. Every
//     string field arrives ALREADY escaped for mrkdwn (&, <, > as
//     entities, flattened to one line), so "<!channel>" or
//     "<https://evil.example|bank>" in a title is inert; do not escape
//     again. URL is the link target, safe inside <{{.URL}}|…>, and empty
//     unless the article URL is absolute http(s). The channel puts the
//     output in section blocks and the notification fallback, cut to
//     Slack's limits.
//   - Webhook: text/template rendering the whole JSON request body.
//     Fields are raw (only cut, made valid UTF-8 and rid of bidirectional
//     controls): write them with the json function, {{json .Alert.Title}},
//     never inside quotes by hand, nor with js or printf "%q", whose
//     escapes (\' and \x1b) are not JSON. The output must parse as JSON:
//     Parse checks the sample renders and Render checks every real one; a
//     channel treats a render failure as permanent.
//   - HTML: html/template rendering the HTML part of an e-mail, with its
//     contextual auto-escaping; fields are raw (bidirectional controls
//     removed), URL is empty unless
//     absolute http(s), and SnippetMarked is trusted HTML we built (every
//     piece escaped, hits in <mark>). The text part stays built in.
//
// # Data
//
// The template is executed with a Data value (the dot):
//
//	.ID       string       the message id: the alert id, or news.DigestID of the alerts for a digest
//	.Digest   bool         true for a digest (several alerts in one message)
//	.Count    int          number of alerts (1 unless a digest)
//	.Alert    AlertData    the first (for a single message, the only) alert
//	.Alerts   []AlertData  every alert, oldest first
//	.Watches  []WatchData  the alerts grouped by watch, in order of first appearance
//
// WatchData has .Name (string), .Count (int) and .Alerts ([]AlertData).
// AlertData has:
//
//	.ID            string     alert id (stable, an idempotency key)
//	.Watch         string     watch name
//	.Source        string     source name
//	.URL           string     article URL (see the kinds for Slack and HTML)
//	.Title         string     article title, cut to 500 runes
//	.Published     time.Time  publication time; zero when unknown
//	.Found         time.Time  when the crawler found the article
//	.Matches       []MatchData  each with .Term (string), .Count (int), .Seen ([]string)
//	.Fired         string     the query branch (or term) that fired, cut to 1000 runes
//	.Snippet       string     the sentence around the first hit, cut to 1000 runes
//	.SnippetMarked            the snippet with the hits marked the channel's way:
//	                          «hit» (Text, Webhook), *hit* (Slack), <mark>hit</mark>
//	                          as template.HTML (HTML)
//	.Notice        bool       a notice from newshound itself (source health,
//	                          delivery), not a news alert
//
// # Functions
//
// Besides text/template's built-ins (and, or, not, len, index, print,
// printf, eq, lt…):
//
//	json VALUE        VALUE as JSON (strings quoted and escaped, times RFC 3339)
//	truncate N TEXT   TEXT cut to at most N runes, ending in "…" when cut
//	                  (in the Slack kind an entity such as &amp; counts as one
//	                  rune and is never split)
//	date LAYOUT TIME  TIME in UTC formatted with Go's LAYOUT
//	                  ("2006-01-02 15:04 MST"); "" for a zero time
//
// # Checked at Parse
//
// Parse executes the template (with missingkey=error) against sample
// alerts — single messages and a digest, with titles holding quotes, <,
// <!channel>, CR/LF and Bcc:, Arabic, a 20 kB title, and a notice without
// matches or snippet — so a syntax error, an unknown field, a bad
// function call, an output that is empty or (Webhook) not JSON is an
// error from Parse, which `newshound check` reports, not a failure at
// send time.
package tmpl
