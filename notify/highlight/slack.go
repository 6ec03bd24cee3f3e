package highlight

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
)

// This file renders highlighted snippets as Slack mrkdwn; the escaping and
// the length limit are textsafe's (SlackEscape, Mrkdwn).

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
	w := textsafe.Mrkdwn{Max: maxOut}
	for _, p := range pieces {
		text := textsafe.Flatten(p.Text)
		if !p.Hit {
			if !w.Plain(text) {
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
			if !w.Plain(text) {
				break
			}
			continue
		}
		lead := text[:strings.Index(text, inner)]
		if !w.Plain(lead) || !w.Bold(inner) || !w.Plain(text[len(lead)+len(inner):]) {
			break
		}
	}
	return w.String()
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
