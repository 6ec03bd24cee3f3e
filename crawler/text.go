package crawler

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockElements end a line of text: everything else is inline and is
// joined to its neighbours exactly as written, so "al <em>Hol</em>" stays
// "al Hol" and "<b>reg</b>ional" stays "regional".
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Br: true, atom.Caption: true, atom.Dd: true, atom.Details: true,
	atom.Dialog: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Li: true,
	atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Td: true,
	atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Tr: true, atom.Ul: true,
}

// skippedElements carry no readable text.
var skippedElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Button: true, atom.Select: true, atom.Textarea: true,
}

// nodeText renders the readable text of an HTML tree: one line per block,
// whitespace inside a line collapsed to single spaces, empty lines dropped.
func nodeText(n *html.Node) string { return renderText(n, "") }

// renderText is nodeText with a repair for extractors that trim the
// whitespace around inline elements (trafilatura turns
// `a <strong>United Nations</strong> official` into pieces "a",
// "United Nations", "official"): where two pieces meet without whitespace,
// orig, the page's own text with whitespace collapsed, decides whether the
// words were apart.
func renderText(n *html.Node, orig string) string {
	var lines []string
	var cur strings.Builder
	flush := func() {
		if line := collapseSpace(cur.String()); line != "" {
			lines = append(lines, line)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		a := elementAtom(n)
		switch n.Type {
		case html.TextNode:
			if orig != "" && wereApart(cur.String(), n.Data, orig) {
				cur.WriteByte(' ')
			}
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			if skippedElements[a] {
				return
			}
		case html.CommentNode, html.DoctypeNode:
			return
		}
		// Unknown (custom) elements are inline, as browsers render them.
		block := n.Type == html.ElementNode && blockElements[a]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(n)
	flush()
	return strings.Join(lines, "\n")
}

// elementAtom resolves an element's atom from its name when the node was
// built by hand (trafilatura and readability create nodes without one).
func elementAtom(n *html.Node) atom.Atom {
	if n.Type != html.ElementNode || n.DataAtom != 0 {
		return n.DataAtom
	}
	return atom.Lookup([]byte(strings.ToLower(n.Data)))
}

// wereApart reports whether the word ending left and the word starting
// right were separated by whitespace in orig (and not written together).
func wereApart(left, right, orig string) bool {
	l, _ := utf8.DecodeLastRuneInString(left)
	r, _ := utf8.DecodeRuneInString(right)
	if left == "" || right == "" || isSpace(l) || isSpace(r) {
		return false
	}
	lw := left[strings.LastIndexFunc(left, isSpace)+1:]
	rw := right
	if i := strings.IndexFunc(right, isSpace); i >= 0 {
		rw = right[:i]
	}
	return strings.Contains(orig, lw+" "+rw) && !strings.Contains(orig, lw+rw)
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' }

func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if isSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// HTMLText renders an HTML fragment (a feed's description or content, a
// test passage) as text the way article pages are rendered: inline markup
// neither glues nor splits words, block elements become line breaks.
// Plain text (no markup) comes back with its whitespace collapsed.
func HTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapseLines(s)
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		return collapseLines(s)
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	return nodeText(body)
}

// collapseLines collapses whitespace inside each line and drops empty ones.
func collapseLines(s string) string {
	var out []string
	for line := range strings.Lines(s) {
		if l := collapseSpace(line); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
