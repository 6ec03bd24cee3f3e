package notifytest

import (
	"strings"
	"time"

	"github.com/newshound/newshound/news"
)

// SentinelSecret is a recognisable credential to plant in configurations
// (webhook URL paths, signing secrets, SMTP passwords) so that AssertNoSecret
// can prove it never leaks into an error.
const SentinelSecret = "nh-sentinel-s3cr3t-7f3a9c"

// SampleAlert returns an alert that looks like a real one but carries the
// classic attacks on each channel in its web-controlled fields:
//
//   - Slack: `<!channel>` (mass ping), `<https://evil.example|bank>` (forged
//     link), `&` (entity confusion), backticks (code formatting);
//   - e-mail: CR/LF followed by `Bcc:` (header injection), `<script>` (HTML
//     injection);
//   - every channel: Arabic text (non-ASCII, right-to-left).
//
// Its URL is a plain https URL so channels that link it can be checked; see
// Hostile for a javascript: URL and other extremes.
func SampleAlert() news.Alert {
	return news.Alert{
		ID:     "nh_00112233445566778899aabbccddeeff",
		Watch:  "detainees",
		Source: "wire",
		URL:    "https://news.example/world/al-hol?id=7&lang=en",
		Title: "<!channel> al-Hol camp: <https://evil.example|bank> & `rm -rf /` " +
			"<script>alert(1)</script>\r\nBcc: victim@evil.example",
		// Fixed times keep golden files stable.
		Published: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC),
		Found:     time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		Matches: []news.Match{
			{Term: "al Hol", Seen: []string{"al-Hol", "الهول"}, Count: 2},
			{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1},
		},
		Snippet: "Families held at <b>al-Hol</b> & Roj <!here> — قالت القيادة المركزية الأمريكية\n" +
			"Bcc: other@evil.example",
	}
}

// Case is a named alert for table-driven tests.
type Case struct {
	Name  string
	Alert news.Alert
}

// Hostile returns the alerts every channel must deliver without failing
// and without letting the content escape its field: SampleAlert, a
// javascript: URL, a 20 kB title and 50 kB snippet, control characters
// everywhere, invalid UTF-8, and an alert with every optional field empty.
func Hostile() []Case {
	huge := SampleAlert()
	huge.Title = strings.Repeat("Breaking الهول news & <more> ", 740) // ≈ 20 kB
	huge.Snippet = strings.Repeat("Snippet text with <tags> & ampersands. ", 1300)

	js := SampleAlert()
	js.URL = "javascript:alert(document.cookie)//|<https://evil.example>"

	ctl := SampleAlert()
	ctl.Title = "line1\nline2\rline3\x00\x1b[31mred\x1b[0m\u2028sep\u202egnp.exe\tend"
	ctl.Source = "wire\nX-Injected: 1"
	ctl.Matches = []news.Match{{Term: "al Hol", Seen: []string{"al\nHol", "al\u0085Hol"}, Count: 2}}

	bad := SampleAlert()
	bad.Title = "invalid \xff\xfe utf-8 \xc3"
	bad.Snippet = "\xed\xa0\x80 surrogate"

	empty := news.Alert{
		ID:      "nh_ffeeddccbbaa99887766554433221100",
		Watch:   "detainees",
		Source:  "wire",
		URL:     "https://news.example/a",
		Found:   time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		Matches: []news.Match{{Term: "CENTCOM", Count: 1}},
	}
	return []Case{
		{"sample", SampleAlert()},
		{"javascript url", js},
		{"20 kB title", huge},
		{"control characters", ctl},
		{"invalid utf-8", bad},
		{"optional fields empty", empty},
	}
}

// Named returns the Hostile alert with the given case name; it panics on
// an unknown name, which is a bug in the calling test.
func Named(name string) news.Alert {
	for _, c := range Hostile() {
		if c.Name == name {
			return c.Alert
		}
	}
	panic("notifytest: no hostile alert named " + name)
}
