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

// Flatten replaces every character for which Breaks reports true with a
// space, and invalid UTF-8 with U+FFFD. Every channel that shows text to
// a person (console, Slack, e-mail, text templates) and the status page
// and Atom feed use it, or Breaks, on every untrusted field.
func Flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if Breaks(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Breaks reports whether r could break a line or mislead a reader:
// control characters (CR, LF, TAB, ESC, the C1 range), Unicode line and
// paragraph separators, and the bidirectional controls (IsBidiControl).
func Breaks(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || IsBidiControl(r)
}

// StripBidi removes the bidirectional controls (IsBidiControl) from s and
// keeps everything else, line breaks included: for text that a machine
// reads first but may show to a person (webhook bodies, the fields of an
// HTML template), where "invoice\u202Efdp.exe" would display as
// "invoiceexe.pdf".
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// IsBidiControl reports whether r is a bidirectional formatting control:
// the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069
// and the marks U+200E, U+200F and U+061C, which can make text display in
// a different order than it reads.
func IsBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}
