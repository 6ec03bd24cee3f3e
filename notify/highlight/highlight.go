// Package highlight cuts an alert's snippet into plain and highlighted
// pieces, so each channel can mark the hits its own way (« » in text,
// bold in Slack, <mark> in HTML) while escaping every piece with its usual
// escaper: markup is added only between escaped pieces and can never be
// forged or broken by the snippet's own characters.
//
// The highlight positions (news.Alert.Highlights) come from the matcher
// but travel through the store and are treated as untrusted: a span that
// is empty, reversed, out of range, overlapping an earlier one, or whose
// edge is not between two whole valid UTF-8 characters is ignored rather
// than mis-marked or allowed to split a character. Split never fails and
// never panics, whatever the input.
//
// The package also renders the pieces where more than one package needs
// the same form: HTML (pieces with <mark>) and Slack's bold snippets
// (slack.go). Both the channels and the templates of package tmpl use
// them, so a template's fields are marked exactly as the built-in formats
// are. Escaping, cutting and flattening untrusted text is internal/textsafe's.
package highlight

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/newshound/newshound/news"
)

// Piece is a run of a snippet: highlighted (a hit) or not.
type Piece struct {
	Text string
	Hit  bool
}

// Split returns s cut into pieces at the usable spans (see Usable), with
// invalid UTF-8 replaced by U+FFFD and the whole cut to at most maxRunes
// runes exactly as textsafe.Truncate cuts it (the last rune becomes a plain
// "…" piece when cut). Joining the pieces' texts therefore gives
// textsafe.Truncate(s, maxRunes). Empty pieces are left out and touching
// hits are merged, so no channel ever emits an empty or doubled marker.
func Split(s string, spans []news.Span, maxRunes int) []Piece {
	var out []Piece
	at := 0
	for _, sp := range Usable(s, spans) {
		out = appendPiece(out, s[at:sp.Start], false)
		out = appendPiece(out, s[sp.Start:sp.End], true)
		at = sp.End
	}
	out = appendPiece(out, s[at:], false)
	return truncate(out, maxRunes)
}

// appendPiece adds a non-empty piece, merging it into the previous one
// when both are hits or both are plain.
func appendPiece(ps []Piece, text string, hit bool) []Piece {
	if text == "" {
		return ps
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	if n := len(ps); n > 0 && ps[n-1].Hit == hit {
		ps[n-1].Text += text
		return ps
	}
	return append(ps, Piece{Text: text, Hit: hit})
}

// truncate cuts the pieces to maxRunes runes in all, the last being "…"
// when anything was cut; maxRunes <= 0 means no limit.
func truncate(ps []Piece, maxRunes int) []Piece {
	if maxRunes <= 0 {
		return ps
	}
	total := 0
	for _, p := range ps {
		total += utf8.RuneCountInString(p.Text)
	}
	if total <= maxRunes {
		return ps
	}
	keep := maxRunes - 1 // room for the ellipsis
	var out []Piece
	for _, p := range ps {
		n := utf8.RuneCountInString(p.Text)
		if n <= keep {
			out = append(out, p)
			keep -= n
			continue
		}
		if keep > 0 {
			out = append(out, Piece{Text: prefixRunes(p.Text, keep), Hit: p.Hit})
		}
		break
	}
	return appendPiece(out, "…", false)
}

func prefixRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// Usable returns the spans of spans that can be marked in s, sorted by
// start: each lies inside s, is not empty, does not overlap a span kept
// before it (the earlier start wins, then the longer), and both its edges
// lie between two whole, valid UTF-8 characters (or at an end of s).
func Usable(s string, spans []news.Span) []news.Span {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b news.Span) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End))
	})
	var out []news.Span
	end := 0
	for _, sp := range sorted {
		if sp.Start < end || sp.Start >= sp.End || sp.End > len(s) ||
			!edge(s, sp.Start) || !edge(s, sp.End) {
			continue
		}
		out = append(out, sp)
		end = sp.End
	}
	return out
}

// edge reports whether byte offset p of s lies between two whole, valid
// characters: cutting there splits neither a character nor a run of
// invalid bytes, so each side converts to valid UTF-8 as the whole would.
func edge(s string, p int) bool {
	if p < 0 || p > len(s) {
		return false
	}
	if p > 0 {
		if r, size := utf8.DecodeLastRuneInString(s[:p]); r == utf8.RuneError && size <= 1 {
			return false
		}
	}
	if p < len(s) {
		if r, size := utf8.DecodeRuneInString(s[p:]); r == utf8.RuneError && size <= 1 {
			return false
		}
	}
	return true
}

// Mark joins the pieces, wrapping each hit in open and close (« and » for
// plain text). It does no escaping: use it where the output needs none.
func Mark(ps []Piece, open, close string) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Hit {
			b.WriteString(open)
			b.WriteString(p.Text)
			b.WriteString(close)
			continue
		}
		b.WriteString(p.Text)
	}
	return b.String()
}
