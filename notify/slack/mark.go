package slack

import (
	"strings"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
)

// markedSnippet is highlight.SlackPieces: the snippet pieces as mrkdwn
// with each hit in bold, within maxOut UTF-16 units.
func markedSnippet(pieces []highlight.Piece, maxOut int) string {
	return highlight.SlackPieces(pieces, maxOut)
}

// wordSpans is highlight.SlackWordSpans: spans widened to whole words so
// Slack renders the bold.
func wordSpans(s string, spans []news.Span) []news.Span { return highlight.SlackWordSpans(s, spans) }

// fired renders the query branch that fired as inline code, where Slack
// applies no bold or italics to the query's own * and _; backticks, which
// would end the code span, become apostrophes.
func fired(s string) string {
	return "`" + text(strings.ReplaceAll(s, "`", "'"), maxFiredRunes, maxSectionRunes-20) + "`"
}
