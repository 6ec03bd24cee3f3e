package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

// attacks are what a hostile page puts in the fields we relay.
var attacks = []string{
	"<!channel>", "<!here>", "<!subteam^S123>", "<@U123>", "<https://evil.example|bank>",
	"`x` ```fence```", "*bold* _x_ ~s~", "title\r\nBcc: victim@example.com",
	"<script>alert(1)</script>", `<img src=x onerror="alert(1)">`, "&lt;!channel&gt;",
}

// attackAlerts puts each attack in the title, the snippet (as a hit) and
// the watch, and adds javascript: and link-forging URLs.
func attackAlerts() map[string]news.Alert {
	out := map[string]news.Alert{}
	base := notifytest.SampleAlert()
	base.Title, base.Snippet, base.Highlights = "plain title", "plain snippet", nil
	for _, v := range attacks {
		a := base
		a.Title = v
		out["title "+v] = a
		a = base
		a.Snippet, a.Highlights = "at "+v+" end", []news.Span{{Start: 3, End: 3 + len(v)}}
		out["snippet "+v] = a
		a = base
		a.Watch = v
		out["watch "+v] = a
	}
	for _, u := range []string{"javascript:alert(1)", "https://n.example/a|<!channel>|<https://evil.example|bank>"} {
		a := base
		a.URL = u
		out["url "+u] = a
	}
	return out
}

// TestSecurityMessages sends every attack through Notify, NotifyDigest
// and a template printing the fields, and checks the bodies the receiver
// got: no raw <…> but our own http(s) link, every & an entity, one line
// per field.
func TestSecurityMessages(t *testing.T) {
	tp := mustTemplate(t, tmpl.Slack,
		"*{{.Alert.Title}}* · {{.Alert.Watch}} · {{.Alert.SnippetMarked}} · {{.Alert.URL}}{{range .Alerts}} {{.Title}}{{end}}")
	url, got := answering(t, http.StatusOK, "ok")
	plain := newNotifier(t, url)
	templated, err := New(Config{WebhookURL: url, Template: tp})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range attackAlerts() {
		for _, send := range []func() (bool, error){
			func() (bool, error) { return plain.Notify(context.Background(), a) },
			func() (bool, error) { return plain.NotifyDigest(context.Background(), []news.Alert{a, a}) },
			func() (bool, error) { return templated.NotifyDigest(context.Background(), []news.Alert{a}) },
		} {
			if _, err := send(); err != nil {
				t.Fatalf("send(%s) = %v", name, err)
			}
		}
		bodies, _ := got()
		last := bodies[len(bodies)-3:]
		checkMessage(t, decode(t, []byte(last[0])))
		checkDigest(t, decode(t, []byte(last[1])), 2)
		m := decode(t, []byte(last[2]))
		for _, s := range m.mrkdwnTexts() {
			checkInert(t, name+" templated text", s)
			notifytest.AssertOneLine(t, name+" templated text", s)
		}
		if strings.Contains(last[2], "javascript:") && strings.HasPrefix(name, "url ") {
			t.Errorf("%s: templated message shows the javascript: URL: %s", name, last[2])
		}
	}
}

// TestSentinelNeverLeaks drives every failure with the webhook token set
// to the sentinel and checks errors and answers.
func TestSentinelNeverLeaks(t *testing.T) {
	s := notifytest.SentinelSecret
	echo := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body + " " + r.URL.RequestURI()))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // untrusted certificate
	t.Cleanup(tlsSrv.Close)
	for name, base := range map[string]string{
		"connection refused": closed.URL,
		"500":                echo(500, "rollup_error"),
		"410":                echo(410, "channel_is_archived"),
		"403 auth failure":   echo(403, "invalid_token"),
		"tls failure":        tlsSrv.URL,
	} {
		url := base + hookPath + "?t=" + s
		n := newNotifier(t, url)
		answer, _, err := n.Test(context.Background(), notifytest.SampleAlert())
		if err == nil {
			t.Errorf("%s: Test = nil error, want a failure", name)
		}
		_, derr := n.NotifyDigest(context.Background(), digestAlerts())
		for _, e := range []error{err, derr} {
			notifytest.AssertNoSecret(t, e, s, url, hookPath)
		}
		if strings.Contains(answer, s) {
			t.Errorf("%s: answer %q leaks the sentinel", name, answer)
		}
	}
}
