package web

import (
	"net/url"
	"strings"

	"github.com/newshound/newshound/internal/textsafe"
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

// snippetPieces cuts an alert's snippet at its highlights, each piece
// flattened to one line by textsafe.Flatten (after the cut, so the byte spans still fit).
func snippetPieces(a news.Alert) []highlight.Piece {
	pieces := highlight.Split(a.Snippet, a.Highlights, snippetRunes)
	for i := range pieces {
		pieces[i].Text = textsafe.Flatten(pieces[i].Text)
	}
	return pieces
}
