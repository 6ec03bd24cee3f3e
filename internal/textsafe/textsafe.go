// Package textsafe renders untrusted text (titles, snippets, seen forms,
// watch names and error messages that come from the web) so that it is
// safe to show: cut by runes, flattened to one line, stripped of
// bidirectional controls, and escaped for Slack mrkdwn. It is the one
// implementation of each; every channel, the status page, the Atom feed,
// the templates and the commands call it directly. It imports nothing of
// newshound, so every layer may use it.
//
// Escaping for HTML, XML and JSON is left to the encoder of each format;
// what this package does is what no encoder does: keep a field to one
// line, keep it from reordering itself on screen, keep its length bounded.
package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Truncate shortens s to at most max runes, ending with "…" when cut, and
// replaces invalid UTF-8 with U+FFFD, so an untrusted field never fails a
// delivery by its length or its bytes.
func Truncate(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// CutBytes returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence: for limits counted in bytes (what is
// stored), where Truncate counts runes (what is read).
func CutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Flatten replaces every character for which Breaks reports true with a
// space, and invalid UTF-8 with U+FFFD: the text stays on one line and
// cannot restyle a terminal or reorder itself. Every channel that shows
// text to a person (console, Slack, e-mail, text templates), the status
// page, the Atom feed and the commands use it, or Breaks, on every
// untrusted field.
func Flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if Breaks(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Breaks reports whether r could break a line or mislead a reader:
// control characters (CR, LF, TAB, ESC, the C1 range), Unicode line and
// paragraph separators, and the bidirectional controls (IsBidiControl).
func Breaks(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || IsBidiControl(r)
}

// StripBidi removes the bidirectional controls (IsBidiControl) from s and
// keeps everything else, line breaks included: for text that a machine
// reads first but may show to a person (webhook bodies, the fields of an
// HTML template), where "invoice\u202Efdp.exe" would display as
// "invoiceexe.pdf".
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// IsBidiControl reports whether r is a bidirectional formatting control:
// the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069
// and the marks U+200E, U+200F and U+061C, which can make text display in
// a different order than it reads.
func IsBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}
