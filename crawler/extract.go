package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/markusmobius/go-trafilatura"
	"github.com/newshound/newshound/news"
	"golang.org/x/net/html"
)

// ErrNoContent is wrapped when neither extractor finds an article in a
// page.
var ErrNoContent = errors.New("no article content found")

// Page is everything ExtractPage reads from one article page.
type Page struct {
	// Article is the article as ExtractArticle returns it.
	Article news.Article
	// Language is the page's primary language subtag, lower case ("en",
	// "de", "zh"), from <html lang>, a content-language <meta>, og:locale
	// or JSON-LD inLanguage, else as trafilatura detects it in the text
	// (whatlanggo); "" when neither gives one.
	Language string
	// Canonical is the page's rel=canonical as written (resolved against
	// the page URL), also when it did not qualify as the article's
	// identity; "" when absent.
	Canonical string
}

// ExtractArticle turns one fetched article page into an Article: it decodes
// the body to UTF-8 (see decodeHTML), parses it once, extracts the main
// text with trafilatura (readability or the JSON-LD articleBody when
// trafilatura's text is short, see extractText), keeps only the lines
// that readability found as well (keepAgreed), drops the repeated
// headline, promotional lines ("Read more: ...", dropPromoLines),
// paragraphs and lists that are links to other stories and tag lines
// (dropLinkLines), a standfirst heading that repeats the description
// (dropStandfirst) and bylines, timestamps and reporting credits
// (dropBylines), and reads the title, publication time and rel=canonical
// from the same tree.
//
// ID and URL are the page's rel=canonical when it is an absolute http(s)
// URL on the same site (and not the site's home page), else the
// canonicalised pageURL; Keys holds the canonicalised pageURL and the
// canonical when it differs. Source and Found are left for the caller. It
// is pure: no I/O, no clock. A panic inside a parser is returned as an
// error.
func ExtractArticle(pageURL string, body []byte, contentType string) (news.Article, error) {
	p, err := ExtractPage(pageURL, body, contentType)
	return p.Article, err
}

// ExtractPage is ExtractArticle that also reports the page's language and
// rel=canonical, for the extract command and the extraction benchmark.
func ExtractPage(pageURL string, body []byte, contentType string) (page Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			page, err = Page{}, fmt.Errorf("extract %s: parser panic: %v", redact(pageURL), r)
		}
	}()
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Page{}, fmt.Errorf("extract %s: not an absolute http(s) URL", redact(pageURL))
	}
	pageKey, err := Canonicalize(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("extract: %w", err)
	}
	text := decodeHTML(body, contentType)
	if err := limitHTML(text, maxArticleNodes); err != nil {
		return Page{}, fmt.Errorf("extract %s: %w", redact(u.String()), &ParseError{What: "html", Err: err})
	}
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return Page{}, fmt.Errorf("extract %s: parse html: %w", redact(u.String()), err)
	}
	meta := readPageMeta(doc)
	pl := readPageLines(doc)
	// extractText consumes doc: everything else is read from it first.
	text, tmeta, err := extractText(doc, u, collapseSpace(nodeText(doc)), meta.articleBody)
	if err != nil {
		return Page{}, fmt.Errorf("extract %s: %w", redact(u.String()), err)
	}
	art := news.Article{ID: pageKey, URL: pageKey, Keys: []string{pageKey}, Text: text}
	if c := pageCanonical(meta.canonical, u); c != "" && c != pageKey {
		art.ID, art.URL = c, c
		art.Keys = append(art.Keys, c)
	}
	art.Title = firstNonEmpty(tmeta.Title, meta.ogTitle, meta.title)
	art.Text = dropPromoLines(dropHeadline(art.Text, tmeta.Title, meta.ogTitle, meta.title))
	art.Text = dropBylines(dropStandfirst(dropLinkLines(art.Text, pl.links), pl.subheads, meta.descriptions))
	art.Published = meta.published
	if art.Published.IsZero() && !tmeta.Date.IsZero() {
		art.Published = tmeta.Date.UTC()
	}
	page = Page{Article: art, Language: firstNonEmpty(meta.language, primaryLanguage(tmeta.Language))}
	if meta.canonical != "" {
		if c, err := u.Parse(strings.TrimSpace(meta.canonical)); err == nil {
			page.Canonical = c.String()
		}
	}
	return page, nil
}

// minFallbackRunes is the least text readability or JSON-LD must give
// to count: below it, readability has usually picked navigation or a
// footer.
const minFallbackRunes = 250

// shortText is the length in runes under which trafilatura's text is
// compared with the alternatives. Trafilatura is the most precise of the
// extractors on the benchmark, but when a page splits its story over
// sibling containers it keeps only the first (a lead paragraph, a video
// caption); readability, which merges siblings, or the page's own JSON-LD
// articleBody then has the whole story.
const shortText = 1000

// extractText finds the main text; orig is the page's whole text, used to
// repair word boundaries the extractors trimmed (renderText), and ldBody
// the page's JSON-LD articleBody. Trafilatura runs with its rescue pass
// turned off (MinExtractedSize 0): that pass falls back to every paragraph
// of the page, which would put navigation, sidebars and footers into Text.
// Readability always runs too, on the same tree, last, and changes it
// (it works on doc itself rather than a copy, which saves a tenth of the
// time): the caller must read whatever else it needs from doc first.
// Trafilatura's text keeps only the lines readability also found
// (keepAgreed). When trafilatura's text is short, readability's or ldBody
// replaces it when at least twice as long: a little more text is usually
// a caption or a teaser readability merged in, twice as much is the rest
// of the story.
func extractText(doc *html.Node, u *url.URL, orig, ldBody string) (string, trafilatura.Metadata, error) {
	cfg := trafilatura.DefaultConfig()
	cfg.MinExtractedSize = 0
	res, terr := trafilatura.ExtractDocument(doc, trafilatura.Options{
		Config:          cfg,
		OriginalURL:     u,
		ExcludeComments: true,
		Focus:           trafilatura.Balanced,
	})
	var text string
	var meta trafilatura.Metadata
	if terr == nil && res != nil {
		meta = res.Metadata
		if res.ContentNode != nil {
			text = renderText(res.ContentNode, orig)
		}
	}
	rt, rtitle, rwhy := readabilityText(doc, u, orig)
	n := utf8.RuneCountInString(text)
	if n >= shortText {
		return keepAgreed(text, rt), meta, nil
	}
	best, bestN := keepAgreed(text, rt), n
	if rn := utf8.RuneCountInString(rt); rn >= minFallbackRunes && rn > 2*bestN {
		best, bestN = rt, rn
		meta.Title = firstNonEmpty(meta.Title, rtitle)
	}
	if lt := HTMLText(ldBody); utf8.RuneCountInString(lt) >= minFallbackRunes && utf8.RuneCountInString(lt) > 2*bestN {
		best = lt
	}
	if best != "" {
		return best, meta, nil
	}
	twhy := "empty"
	if terr != nil {
		twhy = terr.Error()
	}
	return "", trafilatura.Metadata{}, fmt.Errorf("%w (trafilatura: %s; readability: %s)", ErrNoContent, twhy, rwhy)
}

// readabilityText runs readability on doc, which it changes, and returns
// its text and title, or why it found nothing.
func readabilityText(doc *html.Node, u *url.URL, orig string) (text, title, why string) {
	parser := readability.NewParser()
	ra, err := parser.ParseAndMutate(doc, u)
	switch {
	case err != nil:
		return "", "", err.Error()
	case ra.Node == nil:
		return "", "", "nothing found"
	}
	text = renderText(ra.Node, orig)
	return text, ra.Title(), fmt.Sprintf("only %d characters", utf8.RuneCountInString(text))
}

// keepAgreed removes the lines of text (trafilatura's) that other
// (readability's, from the same page) does not contain anywhere. The two
// extractors pick the story's container by different means; a line only
// one of them kept is almost always furniture at the container's edge: a
// newsletter box, a "more stories" list, a comment prompt. When other is
// empty, or lacks so much of text that it evidently chose another part of
// the page, text is returned unchanged.
func keepAgreed(text, other string) string {
	both := lineKey(other)
	if both == "" {
		return text
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0:0]
	var all, dropped int
	for _, l := range lines {
		k := lineKey(l)
		all += len(k)
		if k != "" && !strings.Contains(both, k) {
			dropped += len(k)
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == len(lines) || float64(dropped) > maxDisagreement*float64(all) {
		return text
	}
	return strings.Join(kept, "\n")
}

// maxDisagreement is the share of text that keepAgreed may remove: past
// it the extractors disagree on where the story is, and neither is
// trusted over the other.
const maxDisagreement = 0.5

// pageCanonical returns the canonicalised rel=canonical href when it may
// replace the page's identity: absolute http(s), on the same site, and not
// the site's home page unless the page itself is (a template that points
// every article at "/" would otherwise merge them all).
func pageCanonical(href string, page *url.URL) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	c, err := url.Parse(href)
	if err != nil || !c.IsAbs() || (c.Scheme != "http" && c.Scheme != "https") || c.Host == "" {
		return ""
	}
	if !sameSite(c, page) {
		return ""
	}
	if isRootPath(c) && !isRootPath(page) {
		return ""
	}
	s, err := Canonicalize(href)
	if err != nil {
		return ""
	}
	return s
}

func isRootPath(u *url.URL) bool {
	return (u.Path == "" || u.Path == "/") && u.RawQuery == ""
}

// dropHeadline removes the first line of text when it repeats one of the
// page's titles (trafilatura keeps the <h1>): Article.Title carries it, and
// matching title and text would count the headline twice. A <title> is
// also compared without its " | Site name" suffix. A text that is only the
// headline is kept.
func dropHeadline(text string, titles ...string) string {
	first, rest, ok := strings.Cut(text, "\n")
	if !ok {
		return text
	}
	first = collapseSpace(first)
	for _, t := range titles {
		t = collapseSpace(t)
		if t == "" {
			continue
		}
		if strings.EqualFold(first, t) || strings.EqualFold(first, stripSiteName(t)) {
			return rest
		}
	}
	return text
}

// stripSiteName cuts a trailing " | Site", " - Site" or " – Site" off a
// <title>.
func stripSiteName(title string) string {
	for _, sep := range []string{" | ", " - ", " – ", " — "} {
		if i := strings.LastIndex(title, sep); i > 0 {
			return strings.TrimSpace(title[:i])
		}
	}
	return title
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return collapseSpace(s)
		}
	}
	return ""
}

// parseTime reads the date formats found in feeds, sitemaps and page
// metadata (W3C datetime, RFC 3339 with or without seconds or zone,
// RFC 1123). Unknown forms give the zero time: a date is a hint, never a
// reason to drop an article.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
}
