// Package console writes alerts as human-readable lines, one per alert, to
// an io.Writer (standard output in the daemon, a buffer in tests):
//
//	2026-11-25T10:00:00Z [detainees] wire: <title> — <url> (al Hol ×2: al-Hol; CENTCOM ×1) fired: "al Hol" AND transfer* | … left the «al-Hol» camp …
//
// The time is when the article was found, in UTC. After each term comes
// its count and the spellings seen that differ from it; then what fired
// (the query branch, or the term for a watch without a query) and, after
// " | ", the snippet with each hit in « » (cut to MaxSnippetRunes), each
// left out when empty. Web-controlled text (title, URL, seen spellings,
// snippet) and, for good measure, watch, source and fired have control
// characters, line breaks and bidirectional overrides replaced by spaces,
// so one alert is exactly one line and cannot forge another line or
// recolour the terminal. The title is cut to MaxTitleRunes.
//
// Writes are serialised by a mutex, so concurrent alerts never interleave.
// A failed write is retryable: the writer may be a pipe that recovers.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/highlight"
)

// Bounds, in runes, of the fields on a line.
const (
	MaxTitleRunes   = 500
	MaxFiredRunes   = 300
	MaxSnippetRunes = 300
)

// Notifier writes alert lines to one writer. It is safe for concurrent
// use.
type Notifier struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Notifier writing to w.
func New(w io.Writer) *Notifier {
	return &Notifier{w: w}
}

// Notify writes one line for the alert with a single Write call.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	if err := ctx.Err(); err != nil {
		return true, fmt.Errorf("write alert to console: %w", err)
	}
	line := Line(a)
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := io.WriteString(n.w, line); err != nil {
		return true, fmt.Errorf("write alert to console: %w", err)
	}
	return false, nil
}

// Line renders the alert as one line, ending in "\n".
func Line(a news.Alert) string {
	var b strings.Builder
	if !a.Found.IsZero() {
		b.WriteString(a.Found.UTC().Format(time.RFC3339))
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "[%s] %s: %s", flatten(a.Watch), flatten(a.Source), flatten(notify.Truncate(a.Title, MaxTitleRunes)))
	if a.URL != "" {
		b.WriteString(" — ")
		b.WriteString(flatten(a.URL))
	}
	if len(a.Matches) > 0 {
		b.WriteString(" (")
		for i, m := range a.Matches {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s ×%d", flatten(m.Term), m.Count)
			var seen []string
			for _, s := range m.Seen {
				if s != m.Term {
					seen = append(seen, flatten(s))
				}
			}
			if len(seen) > 0 {
				b.WriteString(": " + strings.Join(seen, ", "))
			}
		}
		b.WriteByte(')')
	}
	if a.Fired != "" {
		b.WriteString(" fired: ")
		b.WriteString(flatten(notify.Truncate(a.Fired, MaxFiredRunes)))
	}
	if a.Snippet != "" {
		b.WriteString(" | ")
		b.WriteString(flatten(highlight.Mark(highlight.Split(a.Snippet, a.Highlights, MaxSnippetRunes), "«", "»")))
	}
	b.WriteByte('\n')
	return b.String()
}

// flatten replaces every character that could break the line or mislead
// a terminal with a space: control characters (CR, LF, TAB, ESC, the C1
// range), Unicode line and paragraph separators, and the bidirectional
// embedding, override and isolate controls. Invalid UTF-8 becomes U+FFFD.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || isBidiControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}
