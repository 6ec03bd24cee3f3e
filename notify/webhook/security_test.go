package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

// attackCase is an alert with one attack in one field.
type attackCase struct {
	name  string
	field string // title, snippet, watch or url
	value string
	alert news.Alert
}

func attackCases() []attackCase {
	var out []attackCase
	add := func(field, value string, set func(*news.Alert)) {
		a := notifytest.SampleAlert()
		a.Title, a.Snippet, a.Highlights = "plain title", "plain snippet with al-Hol", nil
		set(&a)
		out = append(out, attackCase{field + " " + value, field, value, a})
	}
	for _, v := range notifytest.Attacks() {
		add("title", v, func(a *news.Alert) { a.Title = v })
		add("snippet", v, func(a *news.Alert) {
			a.Snippet = "at " + v + " end"
			a.Highlights = []news.Span{{Start: 3, End: 3 + len(v)}}
		})
		add("watch", v, func(a *news.Alert) { a.Watch = v })
	}
	for _, u := range []string{"javascript:alert(1)", "https://n.example/a|<!channel>|<https://evil.example|bank>"} {
		add("url", u, func(a *news.Alert) { a.URL = u })
	}
	return out
}

// withoutBidi is s without the bidi controls, which every channel removes
// (RELIABILITY.md item 42); the list is notifytest's, not the channel's.
func withoutBidi(s string) string {
	var pairs []string
	for _, r := range notifytest.BidiControls {
		pairs = append(pairs, string(r), "")
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// TestSecurityPayloads: whatever the attack, the body the receiver gets
// is well-formed JSON carrying the attacker's text as data, unchanged but
// for the bidi controls, which are removed, with the built-in payload and
// with a template.
func TestSecurityPayloads(t *testing.T) {
	tp, err := tmpl.Parse("hook", tmpl.Webhook,
		`{"title": {{json .Alert.Title}}, "snippet": {{json .Alert.Snippet}}, "watch": {{json .Alert.Watch}}, "url": {{json .Alert.URL}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, withTemplate := range []bool{false, true} {
		for _, tc := range attackCases() {
			rec, url := newReceiver(t, http.StatusOK)
			cfg := Config{URL: url}
			if withTemplate {
				cfg.Template = tp
			}
			if _, err := newNotifier(t, cfg).Notify(context.Background(), tc.alert); err != nil {
				t.Fatalf("Notify(%s) = %v", tc.name, err)
			}
			var got map[string]any
			body := rec.requests()[0].body
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("Notify(%s, template %v) sent invalid JSON: %v\n%s", tc.name, withTemplate, err, body)
			}
			want := map[string]string{"title": tc.alert.Title, "snippet": tc.alert.Snippet, "watch": tc.alert.Watch, "url": tc.alert.URL}
			for k, v := range want {
				if got[k] != withoutBidi(v) {
					t.Errorf("Notify(%s, template %v) %s = %q, want %q unchanged but for bidi controls", tc.name, withTemplate, k, got[k], v)
				}
			}
			notifytest.AssertNoBidi(t, tc.name+" body", string(body))
			if strings.Contains(string(body), "<") {
				t.Errorf("Notify(%s) body has a raw '<' (Go escapes it as \\u003c): %s", tc.name, body)
			}
		}
	}
}

// TestSentinelNeverLeaks drives every failure with the URL token and the
// signing secret set to the sentinel, and checks errors and answers.
func TestSentinelNeverLeaks(t *testing.T) {
	s := notifytest.SentinelSecret
	echo := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			// A chatty receiver echoes the request line and headers.
			_, _ = w.Write([]byte(r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Authorization")))
		})
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tlsSrv := httptest.NewTLSServer(echo(200)) // certificate not trusted by the client
	t.Cleanup(tlsSrv.Close)
	cases := map[string]string{
		"connection refused": closedURL,
		"500":                serveHandler(t, echo(500)),
		"410":                serveHandler(t, echo(410)),
		"401 auth failure":   serveHandler(t, echo(401)),
		"tls failure":        tlsSrv.URL,
	}
	for name, base := range cases {
		url := strings.Replace(base, "://", "://user:"+s+"@", 1) + "/hook/" + s + "?token=" + s
		n := newNotifier(t, Config{URL: url, Secret: s})
		answer, _, err := n.Test(context.Background(), notifytest.SampleAlert())
		if err == nil {
			t.Errorf("%s: Test = nil error, want a failure", name)
		}
		_, derr := n.NotifyDigest(context.Background(), digestAlerts())
		for _, e := range []error{err, derr} {
			notifytest.AssertNoSecret(t, e, s, url)
		}
		if strings.Contains(answer, s) {
			t.Errorf("%s: answer %q leaks the sentinel", name, answer)
		}
	}
}
