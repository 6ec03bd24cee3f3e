package slack

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/newshound/newshound/notify"
)

// Escape makes untrusted text inert in Slack mrkdwn: '&' becomes "&amp;",
// '<' "&lt;" and '>' "&gt;" (the only three characters Slack asks to
// escape), so "<!channel>" shows literally instead of pinging everyone and
// "<https://evil.example|bank>" cannot forge a link. Each input byte is
// looked at once, which is "ampersand first" by construction: an entity we
// emit is never escaped again. Invalid UTF-8 becomes U+FFFD.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		b.WriteString(escapeRune(r))
	}
	return b.String()
}

func escapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return string(r)
}

// flatten replaces control characters and line or paragraph separators
// with spaces: a title must stay one line and cannot start a quote or list.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// text returns s flattened, cut to at most maxRunes runes of source text,
// then escaped and cut again so the escaped form has at most maxOut
// characters. Characters are counted as UTF-16 code units, which is never
// fewer than runes, so the limit holds however Slack counts. The second
// cut happens between escaped runes, so an entity is never split; a cut
// ends in "…".
func text(s string, maxRunes, maxOut int) string {
	s = notify.Truncate(flatten(s), maxRunes)
	var b strings.Builder
	n := 0
	for _, r := range s {
		e := escapeRune(r)
		w := len(e) // ASCII and entities: one unit per byte
		if r >= utf8.RuneSelf {
			w = utf16.RuneLen(r)
		}
		if n+w > maxOut-1 {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(e)
		n += w
	}
	return b.String()
}

// maxLinkBytes bounds a linked URL; a longer one is left unlinked rather
// than crowding the title out of Slack's 3000-character section limit.
const maxLinkBytes = 1000

// linkTarget returns the URL to put in a <url|text> link, or "" when raw
// must not be linked: not absolute http(s), no host, or too long. The
// result is ASCII: bytes outside printable ASCII and the link syntax
// characters '|', '<', '>' are percent-encoded (so the URL cannot end the
// link or inject its own text), and '&' is written as the entity "&amp;",
// which Slack decodes inside links; percent-encoding it would change the
// query's meaning.
func linkTarget(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return ""
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c <= ' ' || c >= 0x7f || c == '|' || c == '<' || c == '>' || c == '"':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() > maxLinkBytes {
		return ""
	}
	return b.String()
}
