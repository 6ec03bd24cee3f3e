package highlight

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/newshound/newshound/news"
)

// This file holds the Slack mrkdwn rendering of untrusted text. It lives
// here rather than in package slack because the Slack template kind of
// package tmpl needs the same escaping, and the slack channel imports tmpl.

// SlackEscape makes untrusted text inert in Slack mrkdwn: '&' becomes
// "&amp;", '<' "&lt;" and '>' "&gt;" (the only three characters Slack
// asks to escape), so "<!channel>" shows literally instead of pinging
// everyone and "<https://evil.example|bank>" cannot forge a link. Each
// input byte is looked at once, which is "ampersand first" by
// construction: an entity we emit is never escaped again. Invalid UTF-8
// becomes U+FFFD.
func SlackEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		b.WriteString(slackEscapeRune(r))
	}
	return b.String()
}

func slackEscapeRune(r rune) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return string(r)
}

// SlackText returns s flattened (Flatten: a title must stay one line,
// cannot start a quote or list, and cannot reorder itself with bidi
// controls), cut to at most maxRunes runes of source
// text, then escaped and cut again so the escaped form has at most maxOut
// characters. Characters are counted as UTF-16 code units, which is never
// fewer than runes, so the limit holds however Slack counts. The second
// cut happens between escaped runes, so an entity is never split; a cut
// ends in "…".
func SlackText(s string, maxRunes, maxOut int) string {
	s = Truncate(Flatten(s), maxRunes)
	var b strings.Builder
	n := 0
	for _, r := range s {
		e := slackEscapeRune(r)
		w := slackUnits(r)
		if n+w > maxOut-1 {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(e)
		n += w
	}
	return b.String()
}

// SlackLink returns the URL to put in a <url|text> link, or "" when raw
// must not be linked: not absolute http(s), no host, or longer than
// maxBytes once encoded. The result is ASCII: bytes outside printable
// ASCII and the link syntax characters '|', '<', '>' are percent-encoded
// (so the URL cannot end the link or inject its own text), and '&' is
// written as the entity "&amp;", which Slack decodes inside links;
// percent-encoding it would change the query's meaning.
func SlackLink(raw string, maxBytes int) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return ""
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c <= ' ' || c >= 0x7f || c == '|' || c == '<' || c == '>' || c == '"':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() > maxBytes {
		return ""
	}
	return b.String()
}

// SlackMarked renders a snippet as mrkdwn with its usable hits (widened
// to whole words, see SlackWordSpans) in bold: the snippet is cut to
// maxRunes source runes, then rendered by SlackPieces within maxOut
// UTF-16 units.
func SlackMarked(snippet string, spans []news.Span, maxRunes, maxOut int) string {
	return SlackPieces(Split(snippet, SlackWordSpans(snippet, spans), maxRunes), maxOut)
}

// slackBoldBreakers are the mrkdwn characters that, inside a hit, could
// close the bold early (*) or open italics, strike-through or code that
// run on past it; they are dropped from the bold text. Slack has no
// escape for them.
const slackBoldBreakers = "*_~`"

// SlackPieces renders snippet pieces as mrkdwn: every piece is flattened
// and escaped rune by rune (so escaping never touches our markers), and
// each hit is wrapped in * for bold, without the characters in
// slackBoldBreakers and with its outer spaces left outside the markers
// (Slack only renders "*x*" when no space touches the inside of a
// marker). The output has at most maxOut UTF-16 units; a cut ends in "…",
// after closing an open bold, and never splits an entity.
func SlackPieces(pieces []Piece, maxOut int) string {
	w := mrkdwnWriter{max: maxOut}
	for _, p := range pieces {
		text := Flatten(p.Text)
		if !p.Hit {
			if !w.plain(text) {
				break
			}
			continue
		}
		text = strings.Map(func(r rune) rune {
			if strings.ContainsRune(slackBoldBreakers, r) {
				return -1
			}
			return r
		}, text)
		inner := strings.TrimFunc(text, unicode.IsSpace)
		if inner == "" {
			if !w.plain(text) {
				break
			}
			continue
		}
		lead := text[:strings.Index(text, inner)]
		if !w.plain(lead) || !w.bold(inner) || !w.plain(text[len(lead)+len(inner):]) {
			break
		}
	}
	return w.b.String()
}

// mrkdwnWriter appends escaped runes while counting UTF-16 units, keeping
// one unit for the "…" of a cut.
type mrkdwnWriter struct {
	b    strings.Builder
	n    int
	max  int
	done bool
}

// plain writes s escaped; false once the output is full (and cut).
func (w *mrkdwnWriter) plain(s string) bool {
	for _, r := range s {
		if !w.rune(r, 0) {
			return false
		}
	}
	return true
}

// bold writes "*" + s escaped + "*"; the closing marker's unit is kept
// free while s is written, so a cut inside still closes the bold. An
// opening marker is only written with at least one rune after it.
func (w *mrkdwnWriter) bold(s string) bool {
	if w.done {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if w.n+1+slackUnits(r)+1 > w.max-1 {
		w.cut()
		return false
	}
	w.b.WriteByte('*')
	w.n++
	for _, r := range s {
		if !w.rune(r, 1) {
			return false
		}
	}
	w.b.WriteByte('*')
	w.n++
	return true
}

// rune writes one escaped rune, keeping reserve units free besides the
// ellipsis; on overflow it closes a bold (reserve 1) and cuts.
func (w *mrkdwnWriter) rune(r rune, reserve int) bool {
	if w.done {
		return false
	}
	if w.n+slackUnits(r)+reserve > w.max-1 {
		if reserve > 0 {
			w.b.WriteByte('*')
		}
		w.cut()
		return false
	}
	w.b.WriteString(slackEscapeRune(r))
	w.n += slackUnits(r)
	return true
}

func (w *mrkdwnWriter) cut() {
	w.b.WriteString("…")
	w.done = true
}

// slackUnits is the UTF-16 length of r as escaped: entities count one
// unit per byte, other runes their UTF-16 length.
func slackUnits(r rune) int {
	if r < utf8.RuneSelf {
		return len(slackEscapeRune(r))
	}
	return utf16.RuneLen(r)
}

// SlackUnits is the length of s in UTF-16 code units, the measure of
// Slack's text limits.
func SlackUnits(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// SlackWordSpans widens each span to whole words: Slack renders "*x*" as
// bold only when the markers do not touch a letter or digit outside them,
// so a hit inside a longer word (an Arabic clitic, "و" + "الهول") is
// marked as the whole word rather than shown with literal asterisks.
// Spans that are not usable in s are dropped.
func SlackWordSpans(s string, spans []news.Span) []news.Span {
	out := make([]news.Span, 0, len(spans))
	for _, sp := range Usable(s, spans) {
		for sp.Start > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:sp.Start])
			if !wordRune(r) {
				break
			}
			sp.Start -= size
		}
		for sp.End < len(s) {
			r, size := utf8.DecodeRuneInString(s[sp.End:])
			if !wordRune(r) {
				break
			}
			sp.End += size
		}
		out = append(out, sp)
	}
	return out
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}
