package crawler

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits on an HTML page (a listing page or an article page) before
// golang.org/x/net/html builds its tree. The tree costs far more than
// the body: a 10 MB listing page of 170,000 links took 190 MB of heap in
// parseListing, 3 million unclosed <p> 335 MB, and a page that leaves 400
// formatting elements open and then repeats "<div>x</div>" makes the
// parser re-create those 400 elements for every x (the HTML Standard's
// "reconstruct the active formatting elements"): gigabytes from 10 MB.
// The parser itself refuses only an open-element stack deeper than 512.
//
// Measured on the 181 real pages of the article extraction benchmark
// corpus (news and blog articles in many languages) as limitHTML counts:
// at most 8,879 nodes and 51 levels of nesting. A real-looking archive
// page of 1,000 teasers (a link with an image, a headline, a summary, a
// time and a section each) has 30,000 nodes, 11 levels deep; 5,000
// teasers (2.3 MB) have 150,000; a listing of 10,000 bare links 60,000.
const (
	// maxListingNodes is how many nodes a listing page may make the
	// parser build: elements, attributes, comments, runs of text, and the
	// formatting elements it may re-create (see limitHTML). parseListing
	// peaks at about 25 MB for a page at the limit.
	maxListingNodes = 200_000
	// maxArticleNodes is maxListingNodes for an article page, which costs
	// far more per node: ExtractArticle's extractors copy and annotate the
	// tree (about 1.7 kB of peak heap a node), so a page at the limit
	// stays near 120 MB.
	maxArticleNodes = 75_000
	// maxHTMLDepth is how deeply a page's elements may nest. Beyond the
	// memory, a deep tree costs time in every recursive walk of it (the
	// extractors' and the CSS selector's): a page of nested 500-level
	// chains took seconds in parseListing.
	maxHTMLDepth = 256
	// maxReopenPerToken caps what one token can make the parser re-create:
	// its open-element stack holds at most 512 elements.
	maxReopenPerToken = 512
)

// limitHTML checks a page (UTF-8, as decodeHTML gives it) in one pass
// of the x/net/html tokenizer that builds no tree and copies no token:
// more than maxNodes nodes, maxHTMLDepth levels of nested elements or
// maxAttrs attributes on one element is an error naming the limit. The
// attributes are counted on the bytes first (tooManyHTMLAttrs), because
// the tokenizer keeps every distinct name of a tag's attributes to drop
// repeats (1.2 million cost 230 MB). The counts are taken as the parser would
// see the tokens, erring high where the tokens alone cannot tell:
//
//   - Nodes are start tags, attributes, comments, doctypes and texts;
//     a text token also counts every "<" in it, since raw text (a <style>
//     or <script>) the check reads as text may be markup to the parser
//     (inside <svg>, say).
//   - Every start tag and text adds the formatting elements (a, b, font,
//     i, ...) that may be open but closed by the parser's rules, which it
//     would re-create there: those started and not yet ended by their
//     own end tag, limited as the parser limits them (three alike since
//     the last table cell, caption or object). An entry before a cell,
//     caption or object is never taken back by an end tag after it, as
//     the parser may not either; real pages close their formatting
//     elements and add almost nothing here.
//   - Depth follows the open elements: void elements (<br>, <img>) and
//     self-closing foreign ones (<path/> inside <svg>) never open; an end
//     tag closes back to the latest element of its name, or nothing; a
//     start tag that implicitly closes a sibling (<p>, <a>, <li>, <td>,
//     <tr>, <option>, <dt>, <dd>) closes the latest of those within its
//     scope.
//   - Inside <svg> and <math>, as for the parser, <style>, <title> and the
//     like are markup, not raw text.
func limitHTML(page string, maxNodes int) error {
	if tooManyHTMLAttrs(page) {
		return errTooManyAttrs
	}
	c := htmlCheck{z: html.NewTokenizer(strings.NewReader(page)), maxNodes: maxNodes}
	return c.run()
}

// tooManyHTMLAttrs reports whether a tag in page has more than maxAttrs
// attributes, by counting the words between a "<" followed by a letter
// and the ">" ending the tag, as the tokenizer reads a tag: words are
// separated by white space or "/", and a value quoted right after "=" may
// hold anything. It never counts fewer attributes than the tokenizer
// finds; a "<" in a script or a comment may start a tag here that is
// none, which real pages do not fill with a thousand words.
func tooManyHTMLAttrs(page string) bool {
	for i := 0; i < len(page); i++ {
		if page[i] != '<' || i+1 == len(page) || !isASCIILetter(page[i+1]) {
			continue
		}
		words, gap, afterEq := 0, true, false
	tag:
		for i++; i < len(page); i++ {
			switch ch := page[i]; ch {
			case '>':
				break tag
			case ' ', '\t', '\n', '\r', '\f', '/':
				gap = true
			case '"', '\'':
				if afterEq {
					if j := strings.IndexByte(page[i+1:], ch); j >= 0 {
						i += 1 + j
					} else {
						i = len(page)
					}
					// A name right after the closing quote is a new
					// attribute.
					afterEq, gap = false, true
					continue
				}
				fallthrough
			default:
				afterEq = ch == '='
				if gap {
					gap = false
					if words++; words > maxAttrs+1 { // the tag name is a word
						return true
					}
				}
				continue
			}
			// White space after "=" still lets a quoted value follow, so
			// afterEq stays.
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// htmlCheck is the state of one limitHTML pass.
type htmlCheck struct {
	z        *html.Tokenizer
	maxNodes int
	nodes    int
	// open is the stack of open elements as the tokens show them.
	open []openElem
	// afe models the parser's list of active formatting elements: a
	// marker is an entry with marker set.
	afe []fmtEntry
	// formatting counts the non-marker entries of afe.
	formatting int
	// deepest is the most elements open at once so far.
	deepest int
	seed    maphash.Seed
}

type openElem struct {
	name    uint64 // maphash of the lower-case tag name
	tag     atom.Atom
	foreign bool // an svg or MathML element, not an integration point
}

type fmtEntry struct {
	tag    atom.Atom
	attrs  uint64 // order-independent hash of the attributes
	marker bool
}

func (c *htmlCheck) run() error {
	c.seed = maphash.MakeSeed()
	for {
		tt := c.z.Next()
		switch tt {
		case html.ErrorToken:
			return nil // io.EOF, or an input the parser stops at too
		case html.TextToken:
			c.nodes += 1 + bytes.Count(c.z.Raw(), []byte("<")) + c.reopened()
		case html.CommentToken:
			c.nodes += 1 + bytes.Count(c.z.Raw(), []byte("<"))
		case html.DoctypeToken:
			c.nodes++
		case html.StartTagToken, html.SelfClosingTagToken:
			if err := c.start(tt == html.SelfClosingTagToken); err != nil {
				return err
			}
		case html.EndTagToken:
			c.end()
		}
		if c.nodes > c.maxNodes {
			return fmt.Errorf("more than %d elements, attributes and texts", c.maxNodes)
		}
	}
}

// reopened is how many formatting elements the parser may re-create
// before the current token.
func (c *htmlCheck) reopened() int { return min(c.formatting, maxReopenPerToken) }

func (c *htmlCheck) start(selfClosing bool) error {
	name, more := c.z.TagName()
	tag := atom.Lookup(name)
	key := maphash.Bytes(c.seed, name)
	c.nodes += 1 + c.reopened()
	var attrs uint64
	htmlAnnotation := false
	for more {
		var k, v []byte
		k, v, more = c.z.TagAttr()
		c.nodes++
		if tag == atom.AnnotationXml && string(k) == "encoding" &&
			(bytes.EqualFold(v, []byte("text/html")) || bytes.EqualFold(v, []byte("application/xhtml+xml"))) {
			htmlAnnotation = true
		}
		// Summed, so the order does not matter, as in the parser's
		// comparison of sorted attributes.
		attrs += maphash.Bytes(c.seed, k)*31 + maphash.Bytes(c.seed, v)
	}
	foreignParent := len(c.open) > 0 && c.open[len(c.open)-1].foreign
	if foreignParent && breaksOutOfForeign(tag, attrs != 0) {
		for len(c.open) > 0 && c.open[len(c.open)-1].foreign {
			c.open = c.open[:len(c.open)-1]
		}
		foreignParent = false
	}
	foreign := foreignParent || tag == atom.Svg || tag == atom.Math
	if foreign {
		// The parser reads the content of a foreign <style> or <title>
		// as markup.
		c.z.NextIsNotRawText()
	}
	switch {
	case tag == atom.A:
		// The parser closes an open <a> at the next one, taking it off
		// the list.
		c.removeFormatting(atom.A)
		c.addFormatting(tag, attrs)
	case formattingTag(tag):
		c.addFormatting(tag, attrs)
	case markerTag(tag):
		c.afe = append(c.afe, fmtEntry{tag: tag, marker: true})
	}
	if (selfClosing && foreign) || (!foreign && voidTag(tag)) {
		return nil
	}
	if !foreign {
		c.closeImplied(tag)
	}
	if len(c.open) == maxHTMLDepth {
		return fmt.Errorf("more than %d levels of nested elements", maxHTMLDepth)
	}
	c.open = append(c.open, openElem{name: key, tag: tag, foreign: foreign && !integrationPoint(tag, name, htmlAnnotation)})
	c.deepest = max(c.deepest, len(c.open))
	return nil
}

func (c *htmlCheck) end() {
	name, _ := c.z.TagName()
	tag := atom.Lookup(name)
	key := maphash.Bytes(c.seed, name)
	for i := len(c.open) - 1; i >= 0; i-- {
		if c.open[i].name == key {
			c.open = c.open[:i]
			break
		}
	}
	if formattingTag(tag) {
		c.removeFormatting(tag)
	}
}

// removeFormatting takes the latest entry of tag since the last marker
// out of the model, as the parser's adoption agency takes it out of the
// list.
func (c *htmlCheck) removeFormatting(tag atom.Atom) {
	for i := len(c.afe) - 1; i >= 0 && !c.afe[i].marker; i-- {
		if c.afe[i].tag == tag {
			c.afe = append(c.afe[:i], c.afe[i+1:]...)
			c.formatting--
			return
		}
	}
}

// addFormatting adds a formatting element to the model of the list of
// active formatting elements, with the parser's "Noah's Ark" clause: of
// identical elements (name and attributes) since the last marker, only
// the three latest stay.
func (c *htmlCheck) addFormatting(tag atom.Atom, attrs uint64) {
	alike := 0
	for i := len(c.afe) - 1; i >= 0 && !c.afe[i].marker; i-- {
		if e := c.afe[i]; e.tag == tag && e.attrs == attrs {
			if alike++; alike >= 3 {
				c.afe = append(c.afe[:i], c.afe[i+1:]...)
				c.formatting--
			}
		}
	}
	c.afe = append(c.afe, fmtEntry{tag: tag, attrs: attrs})
	c.formatting++
}

// closeImplied pops the open element that a start tag of tag closes
// implicitly: the latest element it closes, searched down to the
// nearest element it cannot pass (the parser's scopes, simplified).
func (c *htmlCheck) closeImplied(tag atom.Atom) {
	var closes func(atom.Atom) bool
	stops := func(t atom.Atom) bool {
		switch t {
		case atom.Table, atom.Td, atom.Th, atom.Caption, atom.Applet, atom.Object, atom.Marquee, atom.Template,
			atom.Html, atom.Body, atom.Button, atom.Select:
			return true
		}
		return false
	}
	switch tag {
	case atom.P, atom.Div, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Aside, atom.Header, atom.Footer, atom.Nav, atom.Blockquote, atom.Pre, atom.Form,
		atom.Figure, atom.Main, atom.Address, atom.Fieldset, atom.Hr:
		closes = func(t atom.Atom) bool { return t == atom.P }
	case atom.A:
		closes = func(t atom.Atom) bool { return t == atom.A }
	case atom.Li:
		closes = func(t atom.Atom) bool { return t == atom.Li || t == atom.P }
		listStops := stops
		stops = func(t atom.Atom) bool { return t == atom.Ul || t == atom.Ol || listStops(t) }
	case atom.Dt, atom.Dd:
		closes = func(t atom.Atom) bool { return t == atom.Dt || t == atom.Dd || t == atom.P }
	case atom.Td, atom.Th:
		closes = func(t atom.Atom) bool { return t == atom.Td || t == atom.Th }
		stops = func(t atom.Atom) bool { return t == atom.Tr || t == atom.Table || t == atom.Html }
	case atom.Tr:
		closes = func(t atom.Atom) bool { return t == atom.Tr }
		stops = func(t atom.Atom) bool { return t == atom.Table || t == atom.Html }
	case atom.Option:
		closes = func(t atom.Atom) bool { return t == atom.Option }
		stops = func(t atom.Atom) bool { return t == atom.Select || t == atom.Html }
	default:
		return
	}
	for i := len(c.open) - 1; i >= 0; i-- {
		t := c.open[i].tag
		if c.open[i].foreign {
			return
		}
		if closes(t) {
			c.open = c.open[:i]
			return
		}
		if stops(t) {
			return
		}
	}
}

// formattingTag reports the parser's formatting elements, which it
// re-creates when they are closed by the rules rather than by their end
// tag.
func formattingTag(t atom.Atom) bool {
	switch t {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S, atom.Small, atom.Strike,
		atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

// markerTag reports the elements that put a marker on the list of active
// formatting elements.
func markerTag(t atom.Atom) bool {
	switch t {
	case atom.Td, atom.Th, atom.Caption, atom.Applet, atom.Object, atom.Marquee, atom.Template:
		return true
	}
	return false
}

// voidTag reports the elements that never have content or an end tag.
func voidTag(t atom.Atom) bool {
	switch t {
	case atom.Area, atom.Base, atom.Basefont, atom.Bgsound, atom.Br, atom.Col, atom.Embed, atom.Frame, atom.Hr,
		atom.Image, atom.Img, atom.Input, atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// breaksOutOfForeign reports the start tags that end svg or MathML
// content in the parser: it pops back to HTML and reads them as HTML.
func breaksOutOfForeign(t atom.Atom, hasAttrs bool) bool {
	switch t {
	case atom.B, atom.Big, atom.Blockquote, atom.Body, atom.Br, atom.Center, atom.Code, atom.Dd, atom.Div, atom.Dl,
		atom.Dt, atom.Em, atom.Embed, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Hr, atom.I,
		atom.Img, atom.Li, atom.Listing, atom.Menu, atom.Meta, atom.Nobr, atom.Ol, atom.P, atom.Pre, atom.Ruby, atom.S,
		atom.Small, atom.Span, atom.Strong, atom.Strike, atom.Sub, atom.Sup, atom.Table, atom.Tt, atom.U, atom.Ul, atom.Var:
		return true
	case atom.Font:
		return hasAttrs
	}
	return false
}

// integrationPoint reports the svg and MathML elements whose content the
// parser reads as HTML: name is the lower-case tag name, htmlAnnotation
// whether an annotation-xml says its encoding is HTML.
func integrationPoint(t atom.Atom, name []byte, htmlAnnotation bool) bool {
	switch t {
	case atom.Desc, atom.Title, atom.Mi, atom.Mo, atom.Mn, atom.Ms, atom.Mtext:
		return true
	case atom.AnnotationXml:
		return htmlAnnotation
	}
	return string(name) == "foreignobject"
}
