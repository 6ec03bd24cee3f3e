package highlight

import (
	"strings"
	"unicode/utf8"
)

// Truncate shortens s to at most max runes, ending with "…" when cut, and
// replaces invalid UTF-8, so an untrusted field never fails a delivery by
// its length or its bytes.
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
