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
// A digest (NotifyDigest) is a header line, DigestHeader, followed by one
// such line per alert. WithTemplate replaces the format with a tmpl.Text
// template, whose fields arrive flattened the same way; its output gets
// a final newline if it lacks one.
//
// Writes are serialised by a mutex, so concurrent alerts never interleave.
// A failed write is retryable: the writer may be a pipe that recovers. A
// template that fails to render is permanent.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/notify/tmpl"
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
	mu       sync.Mutex
	w        io.Writer
	template *tmpl.Template // nil: Line and DigestHeader
}

// Option customises a Notifier.
type Option func(*Notifier)

// WithTemplate renders every message (single and digest) with t, which
// must be of kind tmpl.Text, instead of Line. A nil t keeps the built-in
// format.
func WithTemplate(t *tmpl.Template) Option {
	return func(n *Notifier) { n.template = t }
}

// New returns a Notifier writing to w. A template of another kind than
// tmpl.Text is ignored: New cannot fail, and the config only ever builds
// a Text template for a console notifier.
func New(w io.Writer, opts ...Option) *Notifier {
	n := &Notifier{w: w}
	for _, opt := range opts {
		opt(n)
	}
	if n.template != nil && n.template.Kind() != tmpl.Text {
		n.template = nil
	}
	return n
}

// Notify writes one line for the alert with a single Write call.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	return n.write(ctx, []news.Alert{a}, false)
}

// NotifyDigest writes a header line (DigestHeader) and then one line per
// alert, as one Write call so concurrent output never interleaves.
func (n *Notifier) NotifyDigest(ctx context.Context, alerts []news.Alert) (retryable bool, err error) {
	if len(alerts) == 0 {
		return false, errors.New("write digest to console: no alerts")
	}
	return n.write(ctx, alerts, true)
}

// Test writes a like Notify; the answer is "written to stdout", all a
// console can say.
func (n *Notifier) Test(ctx context.Context, a news.Alert) (answer string, retryable bool, err error) {
	if retryable, err = n.Notify(ctx, a); err != nil {
		return "", retryable, err
	}
	return "written to stdout", false, nil
}

func (n *Notifier) write(ctx context.Context, alerts []news.Alert, digest bool) (retryable bool, err error) {
	if err := ctx.Err(); err != nil {
		return true, fmt.Errorf("write alert to console: %w", err)
	}
	var out string
	switch {
	case n.template != nil:
		if out, err = n.template.Render(alerts, digest); err != nil {
			// The same alerts would fail the same way: permanent.
			return false, fmt.Errorf("render console template: %w", err)
		}
		if !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
	case digest:
		var b strings.Builder
		b.WriteString(DigestHeader(alerts))
		for _, a := range alerts {
			b.WriteString(Line(a))
		}
		out = b.String()
	default:
		out = Line(alerts[0])
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := io.WriteString(n.w, out); err != nil {
		return true, fmt.Errorf("write alert to console: %w", err)
	}
	return false, nil
}

// DigestHeader is the line before a digest's alert lines:
//
//	--- newshound digest: 3 alerts: detainees (2), sanctions (1) ---
//
// with the watch names flattened and the list cut to MaxTitleRunes.
func DigestHeader(alerts []news.Alert) string {
	var parts []string
	for _, w := range tmpl.CountWatches(alerts) {
		parts = append(parts, fmt.Sprintf("%s (%d)", w.Watch, w.Count))
	}
	noun := "alerts"
	if len(alerts) == 1 {
		noun = "alert"
	}
	list := textsafe.Flatten(textsafe.Truncate(strings.Join(parts, ", "), MaxTitleRunes))
	return fmt.Sprintf("--- newshound digest: %d %s: %s ---\n", len(alerts), noun, list)
}

// Line renders the alert as one line, ending in "\n".
func Line(a news.Alert) string {
	var b strings.Builder
	if !a.Found.IsZero() {
		b.WriteString(a.Found.UTC().Format(time.RFC3339))
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "[%s] ", textsafe.Flatten(a.Watch))
	if a.Source != "" { // delivery notices belong to no source
		fmt.Fprintf(&b, "%s: ", textsafe.Flatten(a.Source))
	}
	b.WriteString(textsafe.Flatten(textsafe.Truncate(a.Title, MaxTitleRunes)))
	if a.URL != "" {
		b.WriteString(" — ")
		b.WriteString(textsafe.Flatten(a.URL))
	}
	if len(a.Matches) > 0 {
		b.WriteString(" (")
		for i, m := range a.Matches {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s ×%d", textsafe.Flatten(m.Term), m.Count)
			var seen []string
			for _, s := range m.Seen {
				if s != m.Term {
					seen = append(seen, textsafe.Flatten(s))
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
		b.WriteString(textsafe.Flatten(textsafe.Truncate(a.Fired, MaxFiredRunes)))
	}
	if a.Snippet != "" {
		b.WriteString(" | ")
		b.WriteString(textsafe.Flatten(highlight.Mark(highlight.Split(a.Snippet, a.Highlights, MaxSnippetRunes), "«", "»")))
	}
	b.WriteByte('\n')
	return b.String()
}

// The Dispatcher and `newshound test-notify` find these by type assertion.
var (
	_ notify.DigestNotifier = (*Notifier)(nil)
	_ notify.Tester         = (*Notifier)(nil)
)
