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
// line, Arabic, a javascript: URL, a 20 kB title, empty optional fields
// and a notice without matches.
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
	return []sample{
		{"alert with a hostile title", []news.Alert{hostile}, false},
		{"alert with a 20 kB title and a javascript: URL", []news.Alert{huge}, false},
		{"source-health notice", []news.Alert{notice}, false},
		{"alert without snippet", []news.Alert{other}, false},
		{"digest of 4 alerts", []news.Alert{hostile, huge, notice, other}, true},
	}
}
