package slack

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// boldBreakers are the mrkdwn characters that, inside a hit, could close
// the bold early (*) or open italics, strike-through or code that run on
// past it; they are dropped from the bold text. Slack has no escape for
// them.
const boldBreakers = "*_~`"

// markedSnippet renders the snippet pieces (cut at wordSpans) as mrkdwn: every piece is
// flattened and escaped rune by rune (so escaping never touches our
// markers), and each hit is wrapped in * for bold, without the
// characters in boldBreakers and with its outer spaces left outside the
// markers (Slack only renders "*x*" when no space touches the inside of
// a marker). The output has at most maxOut UTF-16 units; a cut ends in
// "…", after closing an open bold, and never splits an entity.
func markedSnippet(pieces []highlight.Piece, maxOut int) string {
	w := mrkdwnWriter{max: maxOut}
	for _, p := range pieces {
		text := flatten(p.Text)
		if !p.Hit {
			if !w.plain(text) {
				break
			}
			continue
		}
		text = strings.Map(func(r rune) rune {
			if strings.ContainsRune(boldBreakers, r) {
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
	if w.n+1+units(r)+1 > w.max-1 {
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
	e := escapeRune(r)
	if w.n+units(r)+reserve > w.max-1 {
		if reserve > 0 {
			w.b.WriteByte('*')
		}
		w.cut()
		return false
	}
	w.b.WriteString(e)
	w.n += units(r)
	return true
}

func (w *mrkdwnWriter) cut() {
	w.b.WriteString("…")
	w.done = true
}

// units is the UTF-16 length of r as escaped: entities count one unit
// per byte, other runes their UTF-16 length.
func units(r rune) int {
	if r < utf8.RuneSelf {
		return len(escapeRune(r))
	}
	return utf16.RuneLen(r)
}

// wordSpans widens each span to whole words: Slack renders "*x*" as bold
// only when the markers do not touch a letter or digit outside them, so a
// hit inside a longer word (an Arabic clitic, "و" + "الهول") is marked as
// the whole word rather than shown with literal asterisks. Spans that are
// not usable in s are left for highlight.Split to drop.
func wordSpans(s string, spans []news.Span) []news.Span {
	out := make([]news.Span, 0, len(spans))
	for _, sp := range highlight.Usable(s, spans) {
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

// fired renders the query branch that fired as inline code, where Slack
// applies no bold or italics to the query's own * and _; backticks, which
// would end the code span, become apostrophes.
func fired(s string) string {
	return "`" + text(strings.ReplaceAll(s, "`", "'"), maxFiredRunes, maxSectionRunes-20) + "`"
}
