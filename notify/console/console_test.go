package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
)

func TestLine(t *testing.T) {
	a := notifytest.SampleAlert()
	a.Title = "Camp al-Hol update"
	a.URL = "https://news.example/a"
	want := "2026-11-25T10:00:00Z [detainees] wire: Camp al-Hol update — https://news.example/a " +
		"(al Hol ×2: al-Hol, الهول; CENTCOM ×1) fired: (\"al Hol\" OR الهول) AND transfer* | " +
		"Families held at <b>«al-Hol»</b> & Roj <!here> — قالت «القيادة المركزية الأمريكية» Bcc: other@evil.example\n"
	if got := Line(a); got != want {
		t.Errorf("Line(sample) = %q, want %q", got, want)
	}
	hostile := Line(notifytest.Named("hostile highlights"))
	if !strings.Contains(hostile, "fired: *bold* OR `code` OR <!channel> OR _x_ | «*bold*» «_it_ ~del~» «`code` <!channel>» «<mark>x</mark> Bcc»: x@evil.example «الهول» filler") {
		t.Errorf("Line(hostile highlights) = %q, want usable hits in « » and the others ignored", hostile)
	}
	minimal := news.Alert{Watch: "w", Source: "s", Title: "t"}
	if got, want := Line(minimal), "[w] s: t\n"; got != want {
		t.Errorf("Line(minimal) = %q, want %q", got, want)
	}
	notice := news.Alert{Watch: news.WatchDelivery, Title: `2 alerts could not be delivered through "hook"`}
	if got, want := Line(notice), "[delivery] 2 alerts could not be delivered through \"hook\"\n"; got != want {
		t.Errorf("Line(notice without source) = %q, want %q", got, want)
	}
}

// TestLineAttacks: every attack of the shared list, in every field, comes
// out on one line without a bidi control (RELIABILITY.md item 42).
func TestLineAttacks(t *testing.T) {
	for name, a := range notifytest.AttackAlerts() {
		body := strings.TrimSuffix(Line(a), "\n")
		notifytest.AssertOneLine(t, name, body)
		notifytest.AssertNoBidi(t, name, body)
	}
}

func TestLineIsOneLine(t *testing.T) {
	for _, tc := range notifytest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			line := Line(tc.Alert)
			body, ok := strings.CutSuffix(line, "\n")
			if !ok {
				t.Fatalf("Line(%s) = %q does not end in a newline", tc.Name, line)
			}
			notifytest.AssertOneLine(t, "line", body)
			checkFlat(t, body)
			if !utf8.ValidString(body) {
				t.Errorf("Line(%s) is not valid UTF-8", tc.Name)
			}
		})
	}
	title := Line(notifytest.Named("20 kB title"))
	if n := utf8.RuneCountInString(title); n > MaxTitleRunes+MaxSnippetRunes+MaxFiredRunes+200 {
		t.Errorf("Line(20 kB title) has %d runes, want title and snippet cut to %d and %d", n, MaxTitleRunes, MaxSnippetRunes)
	}
}

func checkFlat(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || textsafe.IsBidiControl(r) || r == '\u2028' || r == '\u2029' {
			t.Errorf("output %q keeps control character %U", s, r)
			return
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.URL, tc.Alert.Source, "al\nHol", tc.Alert.Snippet, 17, 23)
	}
	f.Fuzz(func(t *testing.T, title, url, source, seen, snippet string, start, end int) {
		a := notifytest.SampleAlert()
		a.Title, a.URL, a.Source, a.Snippet = title, url, source, snippet
		a.Matches[0].Seen = []string{seen}
		a.Highlights = []news.Span{{Start: start, End: end}}
		line := Line(a)
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("Line = %q, want exactly one trailing newline", line)
		}
		checkFlat(t, strings.TrimSuffix(line, "\n"))
	})
}

// failingWriter fails every write, as a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestNotifyWriteErrorIsRetryable(t *testing.T) {
	retryable, err := New(failingWriter{}).Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Errorf("Notify on a failing writer = (%v, %v), want retryable error", retryable, err)
	}
}

func TestNotifyConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer // not safe for concurrent use: the mutex must be
	n := New(&buf)
	const alerts = 50
	var wg sync.WaitGroup
	for i := range alerts {
		wg.Go(func() {
			a := notifytest.SampleAlert()
			a.Title = fmt.Sprintf("alert %d", i)
			if _, err := n.Notify(context.Background(), a); err != nil {
				t.Errorf("Notify: %v", err)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != alerts {
		t.Fatalf("got %d lines, want %d", len(lines), alerts)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "2026-11-25T10:00:00Z [detainees] wire: alert ") {
			t.Errorf("mangled line %q", l)
		}
	}
}
