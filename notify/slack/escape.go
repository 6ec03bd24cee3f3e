package slack

import "github.com/newshound/newshound/notify/highlight"

// Escape makes untrusted text inert in Slack mrkdwn: '&' becomes "&amp;",
// '<' "&lt;" and '>' "&gt;" (the only three characters Slack asks to
// escape), so "<!channel>" shows literally instead of pinging everyone and
// "<https://evil.example|bank>" cannot forge a link. Invalid UTF-8 becomes
// U+FFFD. The implementation is shared with the Slack template kind:
// highlight.SlackEscape.
func Escape(s string) string { return highlight.SlackEscape(s) }

// text is highlight.SlackText: s flattened, cut to maxRunes source runes,
// escaped and cut to maxOut UTF-16 units without splitting an entity.
func text(s string, maxRunes, maxOut int) string { return highlight.SlackText(s, maxRunes, maxOut) }

// maxLinkBytes bounds a linked URL; a longer one is left unlinked rather
// than crowding the title out of Slack's 3000-character section limit.
const maxLinkBytes = 1000

// linkTarget is highlight.SlackLink with maxLinkBytes: the http(s) URL
// made safe inside <url|text>, or "" when it must not be linked.
func linkTarget(raw string) string { return highlight.SlackLink(raw, maxLinkBytes) }
