package slack

import (
	"strings"

	"github.com/newshound/newshound/internal/textsafe"
)

// fired renders the query branch that fired as inline code, where Slack
// applies no bold or italics to the query's own * and _; backticks, which
// would end the code span, become apostrophes.
func fired(s string) string {
	return "`" + textsafe.SlackText(strings.ReplaceAll(s, "`", "'"), maxFiredRunes, maxSectionRunes-20) + "`"
}
