// Package news holds the few types that cross newshound's stages: an
// Article found by the crawler, the Matches the matcher finds in it, and the
// Alert that the store queues and the notifiers deliver.
//
// It has no behaviour beyond deriving stable identifiers, so every other
// package may import it without pulling in I/O.
package news

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// Article is one news article as the crawler found and extracted it.
type Article struct {
	// ID is the article's identity: its canonical URL, or the fallback key
	// documented in the crawler package when a feed item has no usable link.
	ID string
	// Keys are every identity key the article is remembered under as seen
	// (the link as discovered, the canonical URL, a feed GUID key...). The
	// first is the key the crawler looked up before fetching.
	Keys []string
	// URL is the canonical URL shown to recipients.
	URL    string
	Source string
	Title  string
	// Text is the extracted main text, UTF-8, without navigation, sidebars
	// or footers.
	Text string
	// Published is the publication time when the feed, sitemap or page
	// metadata told it; zero when unknown.
	Published time.Time
	// Found is when the crawler fetched the article.
	Found time.Time
}

// Match is one watched term (entity name or keyword) found in an article.
type Match struct {
	// Term is the entity name or keyword as configured.
	Term string `json:"term"`
	// Seen lists the distinct spellings found in the text, in order of
	// first appearance.
	Seen []string `json:"seen"`
	// Count is the number of occurrences over title and text.
	Count int `json:"count"`
}

// Alert is one watch firing on one article: the unit that is deduplicated,
// stored and delivered.
type Alert struct {
	ID        string
	Watch     string
	Source    string
	URL       string
	Title     string
	Published time.Time // zero when unknown
	Found     time.Time
	Matches   []Match
	// Fired names what made the watch fire: the query branch that was
	// satisfied (e.g. `"al Hol" AND transfer*`), or the term when the
	// watch has no query.
	Fired string
	// Snippet is the sentence around the first hit, plain text.
	Snippet string
	// Highlights are the hits inside Snippet as byte ranges, in order and
	// not overlapping, so each channel can mark them its own way.
	Highlights []Span
}

// Span is a byte range [Start, End) of a string.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// AlertID derives the stable alert identifier for a watch firing on an
// article: the same watch and article identity always give the same id, so
// dedup holds across sources, passes and restarts, and receivers can use it
// as an idempotency key.
func AlertID(watch, articleID string) string {
	h := sha256.New()
	h.Write([]byte(watch))
	h.Write([]byte{0})
	h.Write([]byte(articleID))
	return "nh_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// DigestID is the stable identifier of a digest message: "dg_" and 32 hex
// digits of a SHA-256 over the alert ids in order, each preceded by its
// length so no two lists of ids collide. A retry of the same
// chunk of alerts carries the same id, so receivers can deduplicate it
// (webhook-id, Idempotency-Key, Message-ID).
func DigestID(alerts []Alert) string {
	h := sha256.New()
	for _, a := range alerts {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(a.ID))))
		h.Write([]byte(a.ID))
	}
	return "dg_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Notices are alerts newshound raises about itself rather than about the
// news. Their Watch is one of these names, which config reserves so no
// operator watch can take them.
const (
	// WatchSourceHealth marks a notice that a source turned unhealthy or
	// recovered.
	WatchSourceHealth = "source-health"
	// WatchDelivery marks a notice that alerts were dead-lettered or a
	// notifier was disabled. A delivery notice that itself cannot be
	// delivered is dead-lettered silently: it never raises another notice.
	WatchDelivery = "delivery"
	// WatchAlertLimit marks a notice that a source raised more alerts in
	// one run than its max_alerts: the rest were stored, not sent, and
	// the notice counts them.
	WatchAlertLimit = "alert-limit"
)

// IsNotice reports whether watch names one of newshound's own notices.
func IsNotice(watch string) bool {
	return watch == WatchSourceHealth || watch == WatchDelivery || watch == WatchAlertLimit
}
