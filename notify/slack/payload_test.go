package slack

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestPayloadGolden(t *testing.T) {
	for _, tc := range []struct{ file, alert string }{
		{"sample.golden.json", "sample"},
		{"javascript_url.golden.json", "javascript url"},
		{"optional_empty.golden.json", "optional fields empty"},
		{"hostile_highlights.golden.json", "hostile highlights"},
	} {
		t.Run(tc.alert, func(t *testing.T) {
			body, err := Payload(notifytest.Named(tc.alert))
			if err != nil {
				t.Fatalf("Payload: %v", err)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, body, "", "  "); err != nil {
				t.Fatalf("Payload is not JSON: %v", err)
			}
			buf.WriteByte('\n')
			checkGolden(t, tc.file, buf.Bytes())
		})
	}
}

// headLink matches the one place a raw <…> may appear: our own link.
var headLink = regexp.MustCompile(`^\*<(https?://[^|<> ]+)\|([^<>]*)>\*$`)

// decoded is the part of a Slack message the safety checks read.
type decoded struct {
	Text        string
	UnfurlLinks *bool `json:"unfurl_links"`
	UnfurlMedia *bool `json:"unfurl_media"`
	Blocks      []struct {
		Type     string
		Text     *struct{ Type, Text string }
		Elements []struct{ Type, Text string }
	}
}

func decode(t *testing.T, body []byte) decoded {
	t.Helper()
	var m decoded
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("Payload is not JSON: %v\n%s", err, body)
	}
	return m
}

// mrkdwnTexts lists every text a reader sees, the head section first.
func (m decoded) mrkdwnTexts() []string {
	out := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil {
			out = append(out, b.Text.Text)
		}
		for _, e := range b.Elements {
			out = append(out, e.Text)
		}
	}
	return out
}

// TestPayloadIsInert checks, for every hostile alert, that no field can
// ping, link or break out: the only raw angle brackets are our own
// http(s) link, every & starts an entity, texts fit Slack's limit, and
// unfurling is off.
func TestPayloadIsInert(t *testing.T) {
	for _, tc := range notifytest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			body, err := Payload(tc.Alert)
			if err != nil {
				t.Fatalf("Payload: %v", err)
			}
			m := decode(t, body)
			checkMessage(t, m)
		})
	}
}

func checkMessage(t *testing.T, m decoded) {
	t.Helper()
	if m.UnfurlLinks == nil || *m.UnfurlLinks || m.UnfurlMedia == nil || *m.UnfurlMedia {
		t.Errorf("unfurl_links/unfurl_media = %v/%v, want both present and false", m.UnfurlLinks, m.UnfurlMedia)
	}
	if len(m.Blocks) < 3 {
		t.Fatalf("message has %d blocks, want at least 3", len(m.Blocks))
	}
	for i, s := range m.mrkdwnTexts() {
		if i == 1 { // head section: the link is ours, its parts must be inert
			if sub := headLink.FindStringSubmatch(s); sub != nil {
				checkInert(t, "link url", strings.ReplaceAll(sub[1], "&amp;", ""))
				s = sub[2]
			}
		}
		// "> " is our quote markup for the snippet.
		checkInert(t, "message text", strings.TrimPrefix(s, "> "))
		if n := len(utf16.Encode([]rune(s))); n > 3000 {
			t.Errorf("text %d is %d characters, Slack allows 3000", i, n)
		}
		notifytest.AssertOneLine(t, "message text", s)
	}
}

func TestPayloadLinks(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		linked    bool
	}{
		{"https", "https://news.example/a?b=1&c=2", true},
		{"javascript", "javascript:alert(1)", false},
		{"empty", "", false},
		{"forged inside url", "https://news.example/x|<https://evil.example|bank>", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := notifytest.SampleAlert()
			a.URL = tc.url
			body, err := Payload(a)
			if err != nil {
				t.Fatal(err)
			}
			head := decode(t, body).Blocks[0].Text.Text
			sub := headLink.FindStringSubmatch(head)
			if (sub != nil) != tc.linked {
				t.Fatalf("Payload(url %q) head = %q, linked = %v, want %v", tc.url, head, sub != nil, tc.linked)
			}
			if sub != nil && strings.Contains(sub[2], "<https://evil.example") {
				t.Errorf("link text %q carries a forged link", sub[2])
			}
		})
	}
}

func TestPayloadSnippetOptional(t *testing.T) {
	a := news.Alert{ID: "nh_1", Watch: "w", Source: "s", URL: "https://h.example/", Title: "t",
		Matches: []news.Match{{Term: "x", Count: 1}}}
	body, err := Payload(a)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, body)
	if len(m.Blocks) != 3 {
		t.Errorf("Payload(no snippet) has %d blocks, want 3 (no empty quote)", len(m.Blocks))
	}
	if got := m.Blocks[1].Elements[2].Text; got != "*Found:* unknown" {
		t.Errorf("time element = %q, want %q", got, "*Found:* unknown")
	}
}

func FuzzPayload(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.Snippet, tc.Alert.URL, "al-Hol")
	}
	f.Fuzz(func(t *testing.T, title, snippet, url, seen string) {
		a := notifytest.SampleAlert()
		a.Title, a.Snippet, a.URL = title, snippet, url
		a.Matches[0].Seen = []string{seen}
		body, err := Payload(a)
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		checkMessage(t, decode(t, body))
	})
}

// TestPayloadWithoutMatches covers source-health notices, which carry no
// matches: the message has no empty "Matched:" line.
func TestPayloadWithoutMatches(t *testing.T) {
	a := news.Alert{ID: "nh_x", Watch: "source-health", Source: "wire", URL: "https://example.org/rss.xml",
		Title: `Source "wire" is unhealthy: 3 failed runs in a row`, Found: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	b, err := Payload(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Matched:") {
		t.Errorf("Payload(%q) = %s, want no Matched line", a.Title, b)
	}
	if !strings.Contains(string(b), "is unhealthy") {
		t.Errorf("Payload(%q) = %s, want the title", a.Title, b)
	}
}
