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
	for name, a := range notifytest.AttackAlerts() {
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
		for _, b := range last {
			notifytest.AssertNoBidi(t, name+" body", b)
		}
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
