package crawler

import "strings"

// promoPrefixes start lines that point away from the story: links to
// other articles, app and newsletter pitches, share prompts. They are
// compared case-insensitively with the start of a line. Words in such a
// line belong to other stories, so matching them would raise false alerts.
var promoPrefixes = []string{
	"read more:", "read more", "see more:", "related:", "related articles", "more:", "don't miss", "don’t miss",
	"continue reading", "click here", "explore further", "like this story?", "sign up for",
	"subscribe to", "follow us on", "get the app", "download the app",
}

// dropPromoLines removes promotional lines from extracted text: lines that
// start with a promoPrefix. (Lines in capitals only, often another story's
// headline set as a link, are kept: results tables and datelines look the
// same, and losing story text is worse than a stray headline.) Text that
// would be left empty is returned unchanged.
func dropPromoLines(text string) string {
	lines := strings.Split(text, "\n")
	kept := lines[:0:0]
	for _, l := range lines {
		if !isPromoLine(l) {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) || len(kept) == 0 {
		return text
	}
	return strings.Join(kept, "\n")
}

func isPromoLine(line string) bool {
	l := strings.ToLower(strings.TrimSpace(line))
	for _, p := range promoPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
