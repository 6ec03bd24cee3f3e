package textsafe

import (
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

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
// controls), cut to at most maxRunes runes of source text, then escaped
// and cut again so the escaped form has at most maxOut characters.
// Characters are counted as UTF-16 code units, which is never fewer than
// runes, so the limit holds however Slack counts. The second cut happens
// between escaped runes, so an entity is never split; a cut ends in "…".
func SlackText(s string, maxRunes, maxOut int) string {
	w := Mrkdwn{Max: maxOut}
	w.Plain(Truncate(Flatten(s), maxRunes))
	return w.String()
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

// SlackInert reports whether s is inert mrkdwn, the property SlackEscape
// gives: no raw '<' or '>', and every '&' begins one of the three
// entities. bad is the byte offset of the first offence, -1 for none. The
// tests of every writer of mrkdwn check their output with it.
func SlackInert(s string) (bad int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>':
			return i
		case '&':
			if !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
				return i
			}
		}
	}
	return -1
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

// slackUnits is the UTF-16 length of r as escaped: entities count one
// unit per byte, other runes their UTF-16 length.
func slackUnits(r rune) int {
	if r < utf8.RuneSelf {
		return len(slackEscapeRune(r))
	}
	return utf16.RuneLen(r)
}

// Mrkdwn writes escaped mrkdwn within Max UTF-16 units, keeping one unit
// for the "…" of a cut, which never splits an entity. The zero value with
// Max set is ready to use.
type Mrkdwn struct {
	Max  int
	b    strings.Builder
	n    int
	done bool
}

// String is what was written.
func (w *Mrkdwn) String() string { return w.b.String() }

// Plain writes s escaped rune by rune; false once the output is full (and
// cut).
func (w *Mrkdwn) Plain(s string) bool {
	for _, r := range s {
		if !w.rune(r, 0) {
			return false
		}
	}
	return true
}

// Bold writes "*" + s escaped + "*"; the closing marker's unit is kept
// free while s is written, so a cut inside still closes the bold. An
// opening marker is only written with at least one rune after it. The
// caller keeps s free of the characters that would end the bold early.
func (w *Mrkdwn) Bold(s string) bool {
	if w.done {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if w.n+1+slackUnits(r)+1 > w.Max-1 {
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
func (w *Mrkdwn) rune(r rune, reserve int) bool {
	if w.done {
		return false
	}
	if w.n+slackUnits(r)+reserve > w.Max-1 {
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

func (w *Mrkdwn) cut() {
	w.b.WriteString("…")
	w.done = true
}

// slackEntities are the entities SlackEscape writes; TruncateMrkdwn keeps
// each whole.
var slackEntities = [...]string{"&amp;", "&lt;", "&gt;"}

// TruncateMrkdwn cuts already escaped mrkdwn to at most n units, a unit
// being a rune or a whole entity, ending in "…" when cut: Truncate for
// text that SlackEscape has written.
func TruncateMrkdwn(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	keep, units := 0, 0 // keep: bytes of the first n-1 units
	for i := 0; i < len(s); {
		i += unitSize(s[i:])
		units++
		if units == n-1 {
			keep = i
		}
		if units > n {
			return s[:keep] + "…"
		}
	}
	return s
}

// unitSize is the byte length of the unit at the start of s.
func unitSize(s string) int {
	for _, e := range slackEntities {
		if strings.HasPrefix(s, e) {
			return len(e)
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}
