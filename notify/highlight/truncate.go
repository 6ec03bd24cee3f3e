package highlight

import "github.com/newshound/newshound/news"

// Truncate shortens s to at most max runes, ending with "…" when cut, and
// replaces invalid UTF-8 (news.Truncate, the one implementation).
func Truncate(s string, max int) string { return news.Truncate(s, max) }
