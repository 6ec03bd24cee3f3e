package testsite

import (
	"fmt"
	"html"
	"strings"
)

// ArticleHTML is an article page of the Courier: the title, head (extra
// HTML for <head>) and paragraphs (HTML) wrapped in the chrome every news
// site has — navigation, a "most read" sidebar, a newsletter box and a
// footer — whose words (ChromeWords) must never reach the extracted text.
func ArticleHTML(title, head string, paragraphs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s | Courier</title>%s</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/zanzibar">Zanzibar special</a></li></ul></nav></header>
<main><article><h1>%s</h1>`, html.EscapeString(title), head, html.EscapeString(title))
	for _, p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`</article>
<aside class="most-read"><h2>Most read</h2><ol><li><a href="/q">Quokka wins the qualifier</a></li><li><a href="/f">Flamingo fares fall</a></li></ol></aside>
<aside class="newsletter"><h3>Newsletter</h3><p>Sign up for the Albatross briefing.</p></aside>
</main><footer><p>© Courier. Contact the Wombat desk.</p></footer></body></html>`)
	return b.String()
}

// ChromeWords appear only in the chrome ArticleHTML wraps around articles.
var ChromeWords = []string{"Zanzibar", "Quokka", "Flamingo", "Albatross", "Wombat", "Most read"}

// Para makes a paragraph long enough to read as article text.
func Para(topic string) string {
	return topic + " was reported on Tuesday by officials in the region, who said the situation " +
		"would be reviewed again next week after further consultations with local authorities."
}

// Chrome is the furniture NewsPage wraps around a story. Its words are
// chosen to name what the test watches, so an extractor that kept
// navigation, sidebars or footers would raise false alerts. Every field
// is HTML, written as is.
type Chrome struct {
	Name     string    // the site's name, after the title and in the footer
	Section  [2]string // the navigation's section link: href, text
	Topic    [2]string // the navigation's topic link: href, text
	MostRead []string  // the sidebar's links, each <a href="/xN">…</a>
	Coverage string    // the footer's "Follow our coverage of …."
}

// ExampleNews names the watched camp and groups of the app's tests (ISIS,
// al Hol, Daesh, CENTCOM, الهول) in its furniture.
var ExampleNews = Chrome{
	Name:    "Example News",
	Section: [2]string{"/world/", "World"},
	Topic:   [2]string{"/isis", "ISIS explained"},
	MostRead: []string{
		"Inside the al Hol camp: a photo essay",
		"CENTCOM statement on Daesh remnants",
		"الهول: what next",
	},
	Coverage: "ISIS and al-Hawl",
}

// NewsPage is a story page in c's chrome: title, a byline and bodyHTML in
// article.story, its <meta charset> saying charset (the caller encodes).
func NewsPage(c Chrome, title, bodyHTML, charset string) string {
	t := html.EscapeString(title)
	var most strings.Builder
	for i, l := range c.MostRead {
		fmt.Fprintf(&most, "<li><a href=\"/x%d\">%s</a></li>\n", i+1, l)
	}
	return fmt.Sprintf(`<!doctype html>
<html><head><meta charset="%s"><title>%s | %s</title>
<meta property="og:title" content="%s"></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="%s">%s</a></li><li><a href="%s">%s</a></li></ul></nav></header>
<div class="layout">
<article class="story">
<h1>%s</h1>
<p class="byline">By Staff Reporter</p>
%s
</article>
<aside class="sidebar most-read"><h3>Most read</h3><ul>
%s</ul></aside>
</div>
<footer><p>© %s. Follow our coverage of %s. <a href="/privacy">Privacy</a></p></footer>
</body></html>`, charset, t, c.Name, t, c.Section[0], c.Section[1], c.Topic[0], c.Topic[1], t, bodyHTML, most.String(), c.Name, c.Coverage)
}
