package web

import (
	"net/url"
	"strings"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// safeHref returns u when it is an absolute http or https URL with a
// host, the only URLs that become links; javascript:, data:, relative
// and malformed URLs are shown as text or not at all.
func safeHref(u string) (string, bool) {
	if u == "" || strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return "", false
	}
	switch strings.ToLower(parsed.Scheme) {
	case "http", "https":
		return parsed.String(), true
	}
	return "", false
}

// sourceURL is a configured source URL as shown: news.RedactURL, without
// any user:password@ part and with credential parameters masked, which
// are no business of a viewer.
func sourceURL(u string) string { return news.RedactURL(u) }

// cleanText makes untrusted text safe to show on one line: control and
// bidirectional formatting characters become spaces, invalid UTF-8
// U+FFFD. Escaping is left to the encoder of each format.
func cleanText(s string) string { return highlight.Flatten(s) }

// snippetPieces cuts an alert's snippet at its highlights, each piece
// cleaned like cleanText (after the cut, so the byte spans still fit).
func snippetPieces(a news.Alert) []highlight.Piece {
	pieces := highlight.Split(a.Snippet, a.Highlights, snippetRunes)
	for i := range pieces {
		pieces[i].Text = cleanText(pieces[i].Text)
	}
	return pieces
}
