package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

func digestAlerts() []news.Alert {
	var out []news.Alert
	for _, name := range []string{"sample", "javascript url", "optional fields empty", "hostile highlights"} {
		a := notifytest.Named(name)
		if name == "optional fields empty" {
			a.Watch = "sanctions"
		}
		out = append(out, a)
	}
	return out
}

func TestDigestPayloadGolden(t *testing.T) {
	body, err := DigestPayload(digestAlerts())
	if err != nil {
		t.Fatalf("DigestPayload: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("DigestPayload is not JSON: %v", err)
	}
	buf.WriteByte('\n')
	checkGolden(t, "digest.golden.json", buf.Bytes())
	m := decode(t, body)
	if want := "*4 alerts* · detainees (3), sanctions (1)"; m.Blocks[0].Text.Text != want {
		t.Errorf("digest header = %q, want %q", m.Blocks[0].Text.Text, want)
	}
	if want := "newshound: 4 alerts: detainees (3), sanctions (1)"; m.Text != want {
		t.Errorf("digest fallback = %q, want %q", m.Text, want)
	}
}

// checkDigest checks a digest message against Slack's limits and for
// inert content: outside our own "*<http…|title>*" links, no raw < or >,
// every & an entity, at most three lines per alert.
func checkDigest(t *testing.T, m decoded, alerts int) {
	t.Helper()
	if m.UnfurlLinks == nil || *m.UnfurlLinks || m.UnfurlMedia == nil || *m.UnfurlMedia {
		t.Errorf("unfurl_links/unfurl_media = %v/%v, want both false", m.UnfurlLinks, m.UnfurlMedia)
	}
	if len(m.Blocks) != alerts+1 || len(m.Blocks) > 50 {
		t.Fatalf("digest has %d blocks, want %d (≤ 50)", len(m.Blocks), alerts+1)
	}
	total := 0
	for i, b := range m.Blocks {
		s := b.Text.Text
		n := textsafe.SlackUnits(s)
		total += n
		if n > 3000 || (i > 0 && n > digestItemUnits) {
			t.Errorf("block %d is %d units long", i, n)
		}
		lines := strings.Split(s, "\n")
		if len(lines) > 3 {
			t.Errorf("block %d has %d lines, want ≤ 3: %q", i, len(lines), s)
		}
		if sub := headLink.FindStringSubmatch(lines[0]); sub != nil {
			checkInert(t, "link url", strings.ReplaceAll(sub[1], "&amp;", ""))
			lines[0] = sub[2]
		}
		for _, l := range lines {
			checkInert(t, "digest text", strings.TrimPrefix(l, "> "))
			notifytest.AssertOneLine(t, "digest line", l)
		}
	}
	checkInert(t, "fallback", m.Text)
	if total > maxMessageUnits {
		t.Errorf("digest blocks hold %d units, want ≤ %d", total, maxMessageUnits)
	}
}

// TestDigestWithinLimits: MaxDigest of the worst alerts (20 kB titles,
// 50 kB snippets, long URLs) still fits one message.
func TestDigestWithinLimits(t *testing.T) {
	var alerts []news.Alert
	for i := 0; i < MaxDigest; i++ {
		c := notifytest.Hostile()[i%len(notifytest.Hostile())]
		a := c.Alert
		a.Watch = strings.Repeat("w", 150) + fmt.Sprint(i)
		if i%2 == 0 {
			a = notifytest.Named("20 kB title")
			a.URL = "https://news.example/" + strings.Repeat("a", 240)
		}
		alerts = append(alerts, a)
	}
	body, err := DigestPayload(alerts)
	if err != nil {
		t.Fatal(err)
	}
	checkDigest(t, decode(t, body), MaxDigest)
	if _, err := DigestPayload(append(alerts, alerts[0])); err == nil {
		t.Errorf("DigestPayload(%d alerts) = nil error, want more than MaxDigest refused", MaxDigest+1)
	}
}

func FuzzDigestPayload(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.Snippet, tc.Alert.URL, tc.Alert.Watch, 3, 9)
	}
	f.Fuzz(func(t *testing.T, title, snippet, url, watch string, start, end int) {
		a := notifytest.SampleAlert()
		a.Title, a.Snippet, a.URL, a.Watch = title, snippet, url, watch
		a.Highlights = []news.Span{{Start: start, End: end}}
		body, err := DigestPayload([]news.Alert{a, notifytest.SampleAlert()})
		if err != nil {
			t.Fatal(err)
		}
		checkDigest(t, decode(t, body), 2)
	})
}

func TestNotifyDigestDelivers(t *testing.T) {
	url, got := answering(t, http.StatusOK, "ok")
	if _, err := newNotifier(t, url).NotifyDigest(context.Background(), digestAlerts()); err != nil {
		t.Fatalf("NotifyDigest = %v, want delivered", err)
	}
	want, _ := DigestPayload(digestAlerts())
	if bodies, _ := got(); len(bodies) != 1 || bodies[0] != string(want) {
		t.Errorf("receiver got %q, want DigestPayload", bodies)
	}
}

func TestGoneAnswers(t *testing.T) {
	for _, tc := range []struct {
		code int
		body string
		gone bool
	}{
		{410, "", true},
		{410, "channel_is_archived", true},
		{404, "channel_not_found", true},
		{403, "no_service\n", true},
		{404, "no_service_id", true},
		{404, "no_active_hooks", true},
		{403, "team_disabled", true},
		{403, "invalid_token", true},
		{200, "no_active_hooks", true},
		{403, "action_prohibited", false},
		{400, "invalid_payload", false},
		{500, "no_service", false}, // Slack failed: retry, do not disable
		{404, "channel_not_found_but_more", false},
	} {
		t.Run(fmt.Sprintf("%d %s", tc.code, tc.body), func(t *testing.T) {
			url, _ := answering(t, tc.code, tc.body)
			retryable, err := newNotifier(t, url).Notify(context.Background(), notifytest.SampleAlert())
			if err == nil {
				t.Fatalf("Notify on %d %q = nil error", tc.code, tc.body)
			}
			if got := errors.Is(err, notify.ErrGone); got != tc.gone {
				t.Errorf("Notify on %d %q: errors.Is(%v, ErrGone) = %v, want %v", tc.code, tc.body, err, got, tc.gone)
			}
			if tc.gone && retryable {
				t.Errorf("Notify on %d %q: retryable = true, want false for a gone channel", tc.code, tc.body)
			}
			notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
		})
	}
}

func TestTestAnswer(t *testing.T) {
	for _, tc := range []struct {
		code   int
		body   string
		answer string
		ok     bool
	}{
		{200, "ok", "HTTP/1.1 200 OK: ok", true},
		{400, "invalid_payload", "HTTP/1.1 400 Bad Request: invalid_payload", false},
		{404, "no " + hookPath, "HTTP/1.1 404 Not Found: no <redacted>", false},
		{410, "channel_is_archived", "HTTP/1.1 410 Gone: channel_is_archived", false},
	} {
		url, _ := answering(t, tc.code, tc.body)
		answer, _, err := newNotifier(t, url).Test(context.Background(), notifytest.SampleAlert())
		if answer != tc.answer || (err == nil) != tc.ok {
			t.Errorf("Test on %d %q = (%q, %v), want (%q, ok %v)", tc.code, tc.body, answer, err, tc.answer, tc.ok)
		}
	}
}

func TestTemplateMessage(t *testing.T) {
	tp, err := tmpl.Parse("chat", tmpl.Slack,
		"{{if .Digest}}*{{.Count}} alerts*\n{{end}}{{range .Alerts}}• <{{.URL}}|{{.Title}}> {{.SnippetMarked}}\n{{end}}")
	if err != nil {
		t.Fatalf("tmpl.Parse: %v", err)
	}
	url, got := answering(t, http.StatusOK, "ok")
	n, err := New(Config{WebhookURL: url, Template: tp})
	if err != nil {
		t.Fatal(err)
	}
	a := notifytest.SampleAlert()
	if _, err := n.NotifyDigest(context.Background(), []news.Alert{a, a}); err != nil {
		t.Fatalf("NotifyDigest(template) = %v", err)
	}
	bodies, _ := got()
	m := decode(t, []byte(bodies[0]))
	wantLine := "• <https://news.example/world/al-hol?id=7&amp;lang=en|&lt;!channel&gt; al-Hol camp: &lt;https://evil.example|bank&gt; &amp; `rm -rf /` &lt;script&gt;alert(1)&lt;/script&gt;  Bcc: victim@evil.example> Families held at &lt;b&gt;*al-Hol*&lt;/b&gt; &amp; Roj &lt;!here&gt; — قالت *القيادة المركزية الأمريكية* Bcc: other@evil.example\n"
	if want := "*2 alerts*\n" + wantLine + wantLine; len(m.Blocks) != 1 || m.Blocks[0].Text.Text != want || m.Text != cutMrkdwn(want, maxFallbackRunes) {
		t.Errorf("templated message = %+v, want one section %q", m, want)
	}
	if _, err := New(Config{WebhookURL: url, Template: mustTemplate(t, tmpl.Text, "x")}); err == nil {
		t.Errorf("New(text template) = nil error, want a kind error")
	}
}

func mustTemplate(t *testing.T, kind tmpl.Kind, src string) *tmpl.Template {
	t.Helper()
	tp, err := tmpl.Parse("t", kind, src)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestTemplatePayloadSplits(t *testing.T) {
	line := strings.Repeat("&lt;x&gt; ", 100) + "\n" // 1001 units
	body, err := TemplatePayload(strings.Repeat(line, 15) + strings.Repeat("é", 4000))
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, body)
	total := 0
	for i, b := range m.Blocks {
		s := b.Text.Text
		total += textsafe.SlackUnits(s)
		if n := textsafe.SlackUnits(s); n > maxSectionRunes {
			t.Errorf("section %d is %d units", i, n)
		}
		checkInert(t, "section", strings.ReplaceAll(strings.ReplaceAll(s, "\n", ""), "*", ""))
	}
	if total > maxMessageUnits || len(m.Blocks) > 50 || textsafe.SlackUnits(m.Text) > maxFallbackRunes {
		t.Errorf("TemplatePayload = %d blocks, %d units, fallback %d; want within limits", len(m.Blocks), total, textsafe.SlackUnits(m.Text))
	}
	if _, err := TemplatePayload(" \n "); err == nil {
		t.Errorf("TemplatePayload(blank) = nil error")
	}
}

func TestCutMrkdwn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"a&amp;b", 6, "a…"},
		{"a&amp;b", 7, "a&amp;b"},
		{"a&lt;bc", 6, "a&lt;…"},
		{"😀😀", 3, "😀…"},
	} {
		if got := cutMrkdwn(tc.in, tc.max); got != tc.want {
			t.Errorf("cutMrkdwn(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
