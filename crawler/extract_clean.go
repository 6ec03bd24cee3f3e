package crawler

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// promoPrefixes start lines that point away from the story: links to
// other articles, app and newsletter pitches, share prompts. They are
// compared case-insensitively with the start of a line. Words in such a
// line belong to other stories, so matching them would raise false alerts.
var promoPrefixes = []string{
	"read more:", "read more", "see more:", "related:", "related articles", "more:", "don't miss", "don’t miss",
	"continue reading", "click here", "explore further", "like this story?", "sign up for",
	"subscribe to", "follow us on", "get the app", "download the app",
}

// dropPromoLines removes promotional lines from extracted text: lines that
// start with a promoPrefix. (Lines in capitals only, often another story's
// headline set as a link, are kept: results tables and datelines look the
// same, and losing story text is worse than a stray headline.) Text that
// would be left empty is returned unchanged.
func dropPromoLines(text string) string {
	lines := strings.Split(text, "\n")
	kept := lines[:0:0]
	for _, l := range lines {
		if !isPromoLine(l) {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) || len(kept) == 0 {
		return text
	}
	return strings.Join(kept, "\n")
}

func isPromoLine(line string) bool {
	l := strings.ToLower(strings.TrimSpace(line))
	for _, p := range promoPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// minLinkShare is the share of a paragraph's letters and digits inside
// links above which the paragraph is a link to elsewhere ("SEAN SPICER
// ELIMINATED FROM 'DANCING WITH THE STARS'", "Story A [VIDEO] | Story B
// [INSIGHT]") and not the story's own text. Story paragraphs with a link
// or two stay far below it.
const minLinkShare = 0.8

// minLinkWords is the fewest words a link paragraph has: shorter linked
// lines are the story's own citations ("[Wired]", a bare source URL).
const minLinkWords = 3

// pageLines are keys (see lineKey) of blocks of the original page that
// extractors keep but that are not the story's text.
type pageLines struct {
	// links are <p> elements whose text is mostly link text: lines in
	// between story paragraphs that point readers at other stories, apps
	// or newsletters; the items of lists whose every item is a link
	// (markLinkList); and tag lines (markTagLine). Extractors keep them
	// because they sit in the article's container.
	links map[string]bool
	// subheads are h2–h6 headings: a standfirst set as a heading under the
	// headline is one of them (see dropStandfirst).
	subheads map[string]bool
}

// readPageLines walks the original tree once for pageLines.
func readPageLines(doc *html.Node) pageLines {
	pl := pageLines{links: map[string]bool{}, subheads: map[string]bool{}}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Ul, atom.Ol:
				markLinkList(n, pl.links) // and walk on: lists nest
			case atom.P:
				markLinkLine(n, pl.links)
				markTagLine(n, pl.links)
				return
			case atom.Div, atom.Span:
				markTagLine(n, pl.links)
			case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				if k := lineKey(nodeText(n)); k != "" {
					pl.subheads[k] = true
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return pl
}

// markLinkList adds to links the items of list n when every item with
// text is mostly link text (minLinkShare) and there are at least two: a
// "related stories" or "more from this section" list, which extractors
// keep when it sits inside the article's container. A story's own list
// with a linked item among plain ones is left alone.
func markLinkList(n *html.Node, links map[string]bool) {
	var items []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			continue
		}
		var all, linked int
		countLinkText(c, false, &all, &linked)
		if all == 0 {
			continue
		}
		if float64(linked) < minLinkShare*float64(all) {
			return
		}
		items = append(items, nodeText(c))
	}
	if len(items) < 2 {
		return
	}
	for _, t := range items {
		if len(strings.Fields(t)) >= minLinkWords {
			links[lineKey(t)] = true
		}
	}
}

// maxTagLabel is the most letters and digits a tag line has outside its
// tag links ("Filed under", "Schlagwörter").
const maxTagLabel = 20

// markTagLine adds block n's text to links when its links are all
// rel="tag" links (the microformat blogs and news sites use for topic and
// category links) and the rest is at most a label: a "Filed under:
// Politics | Elections" or "Tags: ..." line, in any language.
func markTagLine(n *html.Node, links map[string]bool) {
	var all, tagged int
	ok := true
	countTagText(n, false, &all, &tagged, &ok)
	if ok && tagged > 0 && all-tagged <= maxTagLabel {
		if k := lineKey(nodeText(n)); k != "" {
			links[k] = true
		}
	}
}

// countTagText counts the letters and digits under n, and those inside
// rel="tag" links; ok turns false, and the walk stops, at any other link
// or when the text outside tag links outgrows a label (so a large
// container costs little).
func countTagText(n *html.Node, inTag bool, all, tagged *int, ok *bool) {
	if !*ok {
		return
	}
	if *all-*tagged > maxTagLabel {
		*ok = false
		return
	}
	switch n.Type {
	case html.TextNode:
		for _, r := range n.Data {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				*all++
				if inTag {
					*tagged++
				}
			}
		}
		return
	case html.ElementNode:
		if skippedElements[n.DataAtom] {
			return
		}
		if n.DataAtom == atom.A && hasAttr(n, "href") {
			if !relTag(n) {
				*ok = false
				return
			}
			inTag = true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		countTagText(c, inTag, all, tagged, ok)
	}
}

// relTag reports whether link n has rel="tag" among its rel values.
func relTag(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "rel" {
			for _, v := range strings.Fields(strings.ToLower(a.Val)) {
				if v == "tag" {
					return true
				}
			}
		}
	}
	return false
}

// markLinkLine adds block n's text to links when it is mostly link text
// and at least minLinkWords long.
func markLinkLine(n *html.Node, links map[string]bool) {
	var all, linked int
	countLinkText(n, false, &all, &linked)
	if all > 0 && float64(linked) >= minLinkShare*float64(all) {
		if t := nodeText(n); len(strings.Fields(t)) >= minLinkWords {
			links[lineKey(t)] = true
		}
	}
}

// standfirstLines is how far into the text a standfirst is looked for:
// the headline and a kicker may come before it.
const standfirstLines = 3

// dropStandfirst removes, among the first lines, a sub-heading that
// repeats the page's description: a standfirst (dek) set under the
// headline, which summarises the story rather than telling it. A
// description that is the story's first paragraph (<p>, as wire copy
// often has it) is kept.
func dropStandfirst(text string, subheads map[string]bool, descriptions []string) string {
	lines := strings.SplitN(text, "\n", standfirstLines+1)
	for i, l := range lines[:min(len(lines)-1, standfirstLines)] {
		k := lineKey(l)
		if k == "" || !subheads[k] {
			continue
		}
		for _, d := range descriptions {
			if lineKey(d) == k {
				return strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
			}
		}
	}
	return text
}

// countLinkText counts the letters and digits under n, and those inside
// an <a href>.
func countLinkText(n *html.Node, inLink bool, all, linked *int) {
	switch n.Type {
	case html.TextNode:
		for _, r := range n.Data {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				*all++
				if inLink {
					*linked++
				}
			}
		}
		return
	case html.ElementNode:
		if skippedElements[n.DataAtom] {
			return
		}
		if n.DataAtom == atom.A && hasAttr(n, "href") {
			inLink = true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		countLinkText(c, inLink, all, linked)
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// lineKey identifies a line of text across renderings that may break or
// space it differently: its letters and digits only.
func lineKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// dropLinkLines removes the lines of text that are one of the page's link
// paragraphs (pageLines.links). Text that would be left empty is returned
// unchanged.
func dropLinkLines(text string, links map[string]bool) string {
	if len(links) == 0 {
		return text
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0:0]
	for _, l := range lines {
		if !links[lineKey(l)] {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) || len(kept) == 0 {
		return text
	}
	return strings.Join(kept, "\n")
}

// isBylineOrStamp reports whether a line is a byline ("by Jeff Foust") or
// a timestamp ("Updated at 1:23 p.m.", "Published 18 November 2019"):
// page furniture, which Article carries apart when at all, and whose names
// would otherwise match watches on people. Both are short; a timestamp
// has a digit, a byline no sentence punctuation.
func isBylineOrStamp(line string) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	switch strings.ToLower(f[0]) {
	case "by":
		return len(f) <= 5 && !strings.ContainsAny(line, ".!?:;\"“”")
	case "published", "updated", "posted":
		return len(f) <= 7 && strings.ContainsAny(line, "0123456789")
	}
	return false
}

// isCredit reports whether a line is a reporting credit, which wire
// copy and newsrooms put under the story: "Reuters' Jane Doe contributed
// to this report.", "(Reporting by Jane Doe; Editing by John Roe)". It
// names staff, not the story's people, so matching it would raise false
// alerts on watches for people.
func isCredit(line string) bool {
	l := strings.ToLower(strings.TrimLeft(strings.TrimSpace(line), "(["))
	if len(strings.Fields(l)) > maxCreditWords {
		return false
	}
	for _, p := range creditPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.Contains(l, "contributed to this report") || strings.Contains(l, "contributed reporting")
}

// creditPrefixes start a reporting credit.
var creditPrefixes = []string{"reporting by", "additional reporting by", "writing by", "editing by", "compiled by"}

// maxCreditWords bounds a credit line: a longer line is a paragraph
// that happens to mention one.
const maxCreditWords = 40

// dropBylines removes bylines and timestamps (isBylineOrStamp) where
// pages put them: among the first lines, or as the last line; and
// reporting credits (isCredit) among the last two lines. Elsewhere
// such a line may be the story's own ("By the numbers"). Text that would
// be left empty is returned unchanged.
func dropBylines(text string) string {
	lines := strings.Split(text, "\n")
	if len(lines) < 2 {
		return text
	}
	kept := lines[:0:0]
	for i, l := range lines {
		if (i < standfirstLines || i == len(lines)-1) && isBylineOrStamp(l) {
			continue
		}
		if i >= len(lines)-2 && isCredit(l) {
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == len(lines) || len(kept) == 0 {
		return text
	}
	return strings.Join(kept, "\n")
}
