package news

import (
	"strings"

	"github.com/newshound/newshound/internal/textsafe"
)

// Limits on what one article may carry. The web is hostile: a feed title
// can be megabytes long, and whatever an article carries is stored, served
// by the API, the status page and the Atom feed, and sent. The crawler
// applies them when it builds an article (Clamp), so nothing downstream
// ever holds more; the channels still truncate for their own formats.
const (
	// MaxTitleRunes bounds a title; a longer one is cut and ends with "…".
	MaxTitleRunes = 1000
	// MaxURLBytes bounds a link. A longer link is not cut (a cut URL
	// points elsewhere): the crawler treats it as no link at all.
	MaxURLBytes = 8 << 10
	// MaxTextBytes bounds an article's text, the part that is matched,
	// quoted in snippets and kept for replay: far above any real article
	// (the longest of the extraction benchmark's 181 pages has 36 kB).
	MaxTextBytes = 1 << 20
)

// Clamp returns a with its title cut to MaxTitleRunes and its text to
// MaxTextBytes (at a rune boundary), both as valid UTF-8. URL and ID are
// left alone: the crawler never builds one longer than MaxURLBytes.
func Clamp(a Article) Article {
	a.Title = textsafe.Truncate(a.Title, MaxTitleRunes)
	if len(a.Text) > MaxTextBytes {
		a.Text = strings.ToValidUTF8(textsafe.CutBytes(a.Text, MaxTextBytes), "\uFFFD")
	}
	return a
}
