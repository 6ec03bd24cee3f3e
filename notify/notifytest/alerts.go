package notifytest

import (
	"fmt"
	"strings"
	"testing"
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
// Fired is a query with quotes, parentheses and a prefix star, and the
// two hits of the snippet (al-Hol, the Arabic name of CENTCOM) are
// highlighted. Its URL is a plain https URL so channels that link it can
// be checked; see Hostile for a javascript: URL and other extremes.
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
		// A query as an operator writes one: quotes, parentheses, a prefix
		// star (Slack bold syntax) and an Arabic term.
		Fired:   `("al Hol" OR الهول) AND transfer*`,
		Snippet: sampleSnippet,
		Highlights: []news.Span{
			spanOf(sampleSnippet, "al-Hol"),
			spanOf(sampleSnippet, "القيادة المركزية الأمريكية"),
		},
	}
}

const sampleSnippet = "Families held at <b>al-Hol</b> & Roj <!here> — قالت القيادة المركزية الأمريكية\n" +
	"Bcc: other@evil.example"

// spanOf is the byte range of the first sub in s; sub must occur.
func spanOf(s, sub string) news.Span {
	i := strings.Index(s, sub)
	if i < 0 {
		panic("notifytest: " + sub + " not in " + s)
	}
	return news.Span{Start: i, End: i + len(sub)}
}

// hostileHighlights is an alert whose hits are themselves hostile
// (Slack's bold, italic, strike and code characters, a mass ping, HTML, a
// line break inside a hit) and whose spans are partly unusable: out of
// range, reversed, overlapping, cutting an Arabic letter, and one ending
// past the point where the snippet is truncated.
func hostileHighlights() news.Alert {
	a := SampleAlert()
	s := "*bold* _it_ ~del~ `code` <!channel> <mark>x</mark>\nBcc: x@evil.example الهول " +
		strings.Repeat("filler words ", 120) + "tail hit"
	a.Snippet = s
	ar := spanOf(s, "الهول")
	tail := spanOf(s, "filler words tail")
	a.Highlights = []news.Span{
		spanOf(s, "*bold*"), spanOf(s, "_it_ ~del~"), spanOf(s, "`code` <!channel>"),
		spanOf(s, "<mark>x</mark>\nBcc"),
		{Start: ar.Start + 1, End: ar.End},          // inside the first Arabic letter
		{Start: ar.Start, End: ar.End},              // fine
		{Start: ar.Start + 2, End: ar.End + 5},      // overlaps the one before
		{Start: tail.Start - 300, End: tail.End},    // spans the truncation point
		{Start: len(s) + 1, End: len(s) + 9},        // out of range
		{Start: 9, End: 3}, {Start: -4, End: 2}, {}, // reversed, negative, empty
	}
	a.Fired = "*bold* OR `code` OR <!channel> OR _x_"
	return a
}

// Case is a named alert for table-driven tests.
type Case struct {
	Name  string
	Alert news.Alert
}

// Hostile returns the alerts every channel must deliver without failing
// and without letting the content escape its field: SampleAlert, hits
// made of markup with unusable highlight spans, a javascript: URL, a 20 kB
// title and 50 kB snippet, control characters everywhere, invalid UTF-8
// (with spans on it), and an alert with every optional field empty.
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
	bad.Highlights = []news.Span{{Start: 0, End: 3}, {Start: 3, End: 13}}

	return []Case{
		{"sample", SampleAlert()},
		{"hostile highlights", hostileHighlights()},
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

// Attacks are what a hostile page puts in the fields newshound relays:
// Slack mentions and forged links, code fences and mrkdwn, mail header
// injection, HTML and script, an already-escaped entity, and
// bidirectional controls that make a title display in another order than
// it reads (an override turning "fdp.exe" into "exe.pdf", and every other
// embedding, override, isolate and mark): AssertNoBidi checks a channel
// removed them.
func Attacks() []string {
	return []string{
		"<!channel>", "<!here>", "<!subteam^S123>", "<@U123>", "<https://evil.example|bank>",
		"`x` ```fence```", "*bold* _x_ ~s~", "title\r\nBcc: victim@example.com",
		"t\nCc: victim@example.com\r\n\r\nbody", "<script>alert(1)</script>",
		`<img src=x onerror="alert(1)">`, `"><a href="javascript:alert(1)">x</a>`, "&lt;!channel&gt;",
		"invoice\u202Efdp.exe", BidiControls + " every bidi control",
	}
}

// BidiControls are the bidirectional formatting controls, each once: the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069 and
// the marks U+200E, U+200F and U+061C.
const BidiControls = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C"

// AssertNoBidi fails the test if s holds a bidirectional control, raw or
// as a JSON escape (\u202e), which no channel may relay.
func AssertNoBidi(t testing.TB, what, s string) {
	t.Helper()
	lower := strings.ToLower(s)
	for _, r := range BidiControls {
		if strings.ContainsRune(s, r) || strings.Contains(lower, fmt.Sprintf("\\u%04x", r)) {
			t.Errorf("%s holds the bidi control U+%04X: %q", what, r, s)
		}
	}
}

// AttackAlerts puts each of Attacks in the title, in the snippet (as a
// highlighted hit) and in the watch and source names of a plain alert, and
// adds alerts whose URL is a script URL or forges a Slack link. Keys name
// the field and the attack.
func AttackAlerts() map[string]news.Alert {
	out := map[string]news.Alert{}
	base := SampleAlert()
	base.Title, base.Snippet, base.Highlights = "plain title", "plain snippet", nil
	for _, v := range Attacks() {
		a := base
		a.Title = v
		out["title "+v] = a
		a = base
		a.Snippet, a.Highlights = "at "+v+" end", []news.Span{{Start: 3, End: 3 + len(v)}}
		out["snippet "+v] = a
		a = base
		a.Watch, a.Source = v, v
		out["watch "+v] = a
	}
	for _, u := range []string{
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
		"https://n.example/a|<!channel>|<https://evil.example|bank>",
	} {
		a := base
		a.URL = u
		out["url "+u] = a
	}
	return out
}
