package email

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/html"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

// allowedTags are the elements our HTML parts (and the test template)
// use; anything else came from an alert.
var allowedTags = []string{"html", "head", "meta", "title", "body", "p", "h2", "h3", "a", "ul", "li",
	"strong", "span", "code", "blockquote", "mark"}

// checkHTML tokenizes an HTML part: only our elements, no event-handler
// attributes, and links only to http(s).
func checkHTML(t *testing.T, name, part string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(part))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !slices.Contains(allowedTags, tok.Data) {
			t.Errorf("%s: HTML part has a <%s> element from the alert", name, tok.Data)
		}
		for _, at := range tok.Attr {
			if strings.HasPrefix(at.Key, "on") {
				t.Errorf("%s: HTML part has an event handler %s=%q", name, at.Key, at.Val)
			}
			if at.Key == "href" && at.Val != "" { // "": a template's link with no safe target
				if u, err := url.Parse(at.Val); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					t.Errorf("%s: HTML part links to %q", name, at.Val)
				}
			}
		}
	}
}

// TestSecurityMessages sends every attack as a single message, in a
// digest and through an HTML template printing the fields, and checks
// what the SMTP server received: only the configured recipients, only
// our headers, a one-line subject, and HTML in which the attack is text.
func TestSecurityMessages(t *testing.T) {
	tp, err := tmpl.Parse("mail", tmpl.HTML, `<p>{{.Alert.Watch}}</p><h2><a href="{{.Alert.URL}}">{{.Alert.Title}}</a></h2>`+
		`<blockquote>{{.Alert.SnippetMarked}}</blockquote>{{range .Alerts}}<p>{{.Title}} {{.Source}}</p>{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	be := &backend{user: "newshound", pass: password}
	cfg := baseConfig(serve(t, be, nil, false))
	plain := newNotifier(t, cfg)
	cfg.Template = tp
	templated := newNotifier(t, cfg)
	for name, a := range notifytest.AttackAlerts() {
		sends := []func() (bool, error){
			func() (bool, error) { return plain.Notify(context.Background(), a) },
			func() (bool, error) { return plain.NotifyDigest(context.Background(), []news.Alert{a, a}) },
			func() (bool, error) { return templated.Notify(context.Background(), a) },
			func() (bool, error) { return templated.NotifyDigest(context.Background(), []news.Alert{a}) },
		}
		for _, send := range sends {
			if _, err := send(); err != nil {
				t.Fatalf("send(%s) = %v", name, err)
			}
		}
		got := be.deliveries()
		for _, d := range got[len(got)-len(sends):] {
			if want := []string{"desk@news.example", "night@news.example"}; !slices.Equal(d.to, want) {
				t.Errorf("%s: RCPT TO = %q, want %q", name, d.to, want)
			}
			p := parse(t, d.data)
			notifytest.AssertOneLine(t, name+" subject", p.subject)
			for part, s := range map[string]string{"subject": p.subject, "text": p.text, "html": p.html} {
				notifytest.AssertNoBidi(t, name+" "+part, s)
			}
			for k := range p.header {
				if !slices.Contains([]string{"From", "To", "Subject", "Message-Id", "Date", "Mime-Version",
					"Content-Type", "User-Agent", "X-Mailer", "Auto-Submitted"}, k) {
					t.Errorf("%s: unexpected header %s: %q", name, k, p.header.Get(k))
				}
			}
			checkHTML(t, name, p.html)
			if strings.HasPrefix(name, "url ") && strings.Contains(strings.ToLower(p.html+p.text), "script:") {
				t.Errorf("%s: message shows the URL", name)
			}
		}
	}
}

// TestSentinelNeverLeaks drives every failure with the SMTP password set
// to the sentinel, and checks errors and answers.
func TestSentinelNeverLeaks(t *testing.T) {
	serverTLS, _ := selfSigned(t) // the client does not trust it
	echo := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user, password was " + password}
	refused := notifytest.SilentListener(t)
	refused = refused[:strings.LastIndexByte(refused, ':')] + ":1"
	cases := map[string]struct {
		addr string
		tls  string
	}{
		"connection refused": {refused, TLSNone},
		"never greets":       {notifytest.SilentListener(t), TLSNone},
		"auth failure":       {serve(t, &backend{user: "newshound", pass: "other"}, nil, false), TLSNone},
		"data 451":           {serve(t, &backend{user: "newshound", pass: password, dataErr: &smtp.SMTPError{Code: 451, Message: "try later"}}, nil, false), TLSNone},
		"reply echoes it":    {serve(t, &backend{user: "newshound", pass: password, rcptErr: echo}, nil, false), TLSNone},
		"tls failure":        {serve(t, &backend{}, serverTLS, true), TLSImplicit},
		"starttls failure":   {serve(t, &backend{}, serverTLS, false), TLSStartTLS},
	}
	for name, tc := range cases {
		cfg := baseConfig(tc.addr)
		cfg.TLS = tc.tls
		n := newNotifier(t, cfg, WithTimeout(500*time.Millisecond))
		answer, _, err := n.Test(context.Background(), notifytest.SampleAlert())
		if err == nil {
			t.Errorf("%s: Test = nil error, want a failure", name)
		}
		_, derr := n.NotifyDigest(context.Background(), digestAlerts())
		for _, e := range []error{err, derr} {
			notifytest.AssertNoSecret(t, e, password)
		}
		if strings.Contains(answer, password) {
			t.Errorf("%s: answer %q leaks the password", name, answer)
		}
	}
}
