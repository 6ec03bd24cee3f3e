package highlight

import (
	"html"
	"strings"
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
