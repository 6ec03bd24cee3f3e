package highlight

import (
	"html"
	"strings"
	"unicode"
)

// HTML joins the pieces as an HTML fragment: every piece's text is
// escaped (&, <, >, ' and "), and each hit is wrapped in <mark>…</mark>.
// The markers are the only markup in the result, whatever the pieces
// hold, so it may be trusted as template.HTML.
func HTML(ps []Piece) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Hit {
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(p.Text))
			b.WriteString("</mark>")
			continue
		}
		b.WriteString(html.EscapeString(p.Text))
	}
	return b.String()
}

// Flatten replaces every character that could break a line or mislead a
// terminal with a space: control characters (CR, LF, TAB, ESC, the C1
// range), Unicode line and paragraph separators, and the bidirectional
// embedding, override and isolate controls. Invalid UTF-8 becomes U+FFFD.
// Console lines and text templates use it on every untrusted field.
func Flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || IsBidiControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// IsBidiControl reports whether r is a bidirectional formatting control
// (embeddings, overrides, isolates, the directional marks), which can
// make text display in a different order than it reads.
func IsBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}
