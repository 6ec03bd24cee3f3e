package tmpl

import (
	"strings"
	"time"

	"github.com/newshound/newshound/news"
)

// sample is one render Parse tries.
type sample struct {
	name   string
	alerts []news.Alert
	digest bool
}

// samples are the renders Parse makes: each sample alert alone, then all
// of them as one digest. They hold what breaks careless templates:
// quotes, angle brackets and Slack control sequences, CR/LF with a Bcc:
// line, Arabic, a javascript: URL, a 20 kB title, empty optional fields,
// a notice without matches, and apostrophes, backslashes, every kind of
// control character, bidi controls and emoji — on which {{js …}} and
// {{printf "%q" …}} write escapes (\' and \x00) that are not JSON.
func samples() []sample {
	found := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	hostile := news.Alert{
		ID:     "nh_00000000000000000000000000000001",
		Watch:  "sample-watch",
		Source: "sample source",
		URL:    "https://news.example/a?x=1&y=\"2\"",
		Title: "Sample: \"quoted\" <b>tag</b> <!channel> <https://evil.example|bank> & `code`\r\n" +
			"Bcc: victim@example.com — قالت القيادة",
		Published: found.Add(-time.Hour),
		Found:     found,
		Matches:   []news.Match{{Term: "al Hol", Seen: []string{"al-Hol", "\"الهول\""}, Count: 2}},
		Fired:     `"al Hol" AND transfer*`,
		Snippet:   "Families at al-Hol <script>alert(1)</script> \"moved\"\nBcc: x@example.com",
		Highlights: []news.Span{
			{Start: 12, End: 18},
		},
	}
	huge := hostile
	huge.ID = "nh_00000000000000000000000000000002"
	huge.URL = "javascript:alert(1)"
	huge.Title = strings.Repeat("Long \"title\" <x> & الهول ", 800) // ≈ 20 kB
	huge.Published = time.Time{}
	notice := news.Alert{
		ID:     "nh_00000000000000000000000000000003",
		Watch:  news.WatchSourceHealth,
		Source: "sample source",
		URL:    "https://news.example/feed.xml",
		Title:  `Source "sample source" is unhealthy: 3 failed runs`,
		Found:  found,
	}
	other := hostile
	other.ID = "nh_00000000000000000000000000000004"
	other.Watch = "other <watch> \"2\""
	other.Snippet, other.Highlights, other.Fired = "", nil, ""
	escapes := hostile
	escapes.ID = "nh_00000000000000000000000000000005"
	escapes.Source = "O'Brien's \\wire\\"
	escapes.Title = "It's O'Brien's \"quote\" C:\\path\\to \\u0041 \\n " +
		"\x00\x01\x07\b\v\f\x1b[31mred\x1b[0m\x7f\u0085\u009b end\ttab " +
		"قالت القيادة \u202eexe.pdf\u202c \u200f\u2066iso\u2069 🙂 👨\u200d👩\u200d👧 \u2028\u2029 </script> {{.ID}}"
	escapes.Fired = `"it's" AND O\'Brien*`
	escapes.Matches = []news.Match{{Term: "O'Brien", Seen: []string{"O'Brien", "o\\brien\x1b"}, Count: 2}}
	escapes.Snippet = "Families at al-Hol said: 'we\\re \x00 back' \x1b[2J 🙂"
	escapes.Highlights = []news.Span{{Start: 12, End: 18}}
	return []sample{
		{"alert with a hostile title", []news.Alert{hostile}, false},
		{"alert with a 20 kB title and a javascript: URL", []news.Alert{huge}, false},
		{"source-health notice", []news.Alert{notice}, false},
		{"alert without snippet", []news.Alert{other}, false},
		{"alert with apostrophes, backslashes and control characters", []news.Alert{escapes}, false},
		{"digest of 5 alerts", []news.Alert{hostile, huge, notice, other, escapes}, true},
	}
}
