package email

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

func digestAlerts() []news.Alert {
	b := notifytest.Named("optional fields empty")
	b.Watch = "sanctions"
	return []news.Alert{notifytest.SampleAlert(), b, notifytest.Named("javascript url")}
}

func TestNotifyDigest(t *testing.T) {
	be := &backend{dropAfter: 1}
	cfg := baseConfig(serve(t, be, nil, false))
	cfg.Username, cfg.Password = "", ""
	n := newNotifier(t, cfg)
	alerts := digestAlerts()
	if retryable, err := n.NotifyDigest(context.Background(), alerts); err == nil || !retryable {
		t.Fatalf("NotifyDigest when the 250 is lost = (%v, %v), want retryable error", retryable, err)
	}
	if _, err := n.NotifyDigest(context.Background(), alerts); err != nil {
		t.Fatalf("NotifyDigest retry = %v, want delivered", err)
	}
	got := be.deliveries()
	if len(got) != 2 {
		t.Fatalf("server stored %d messages, want 2", len(got))
	}
	first, p := parse(t, got[0].data), parse(t, got[1].data)
	wantID := "<" + news.DigestID(alerts) + "@newshound>"
	if a, b := first.header.Get("Message-Id"), p.header.Get("Message-Id"); a != wantID || b != wantID {
		t.Errorf("Message-ID = %q then %q, want %q both times", a, b, wantID)
	}
	if want := "[newshound] 3 alerts: detainees (2), sanctions (1)"; p.subject != want {
		t.Errorf("Subject = %q, want %q", p.subject, want)
	}
	checkGolden(t, "digest.txt", p.text)
	checkGolden(t, "digest.html", p.html)
	if strings.Count(p.html, "<h2") != 2 || strings.Count(p.html, "<h3") != 3 {
		t.Errorf("digest HTML has %d watch and %d alert headings, want 2 and 3", strings.Count(p.html, "<h2"), strings.Count(p.html, "<h3"))
	}
	if _, err := n.NotifyDigest(context.Background(), nil); err == nil {
		t.Errorf("NotifyDigest(no alerts) = nil error")
	}
}

func TestDigestSubject(t *testing.T) {
	mk := func(watches ...string) []news.Alert {
		var out []news.Alert
		for _, w := range watches {
			out = append(out, news.Alert{Watch: w})
		}
		return out
	}
	long := strings.Repeat("w", 100)
	for _, tc := range []struct {
		alerts []news.Alert
		want   string
	}{
		{mk("a"), "[newshound] 1 alert: a (1)"},
		{mk("a", "b", "a"), "[newshound] 3 alerts: a (2), b (1)"},
		{mk("x\r\nBcc: victim@example.com"), "[newshound] 1 alert: x Bcc: victim@example.com (1)"},
		{mk(long), "[newshound] 1 alert: " + strings.Repeat("w", 59) + "… (1)"},
		{mk(long+"1", long+"2", long+"3"), "[newshound] 3 alerts: " + strings.Repeat("w", 59) + "… (1), " +
			strings.Repeat("w", 59) + "… (1), " + strings.Repeat("w", 27) + "…"},
	} {
		if got := digestSubject(tc.alerts); got != tc.want {
			t.Errorf("digestSubject(%d alerts) = %q, want %q", len(tc.alerts), got, tc.want)
		}
	}
}

func FuzzDigestSubject(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.Source)
	}
	f.Fuzz(func(t *testing.T, w1, w2 string) {
		got := digestSubject([]news.Alert{{Watch: w1}, {Watch: w2}, {Watch: w1}})
		notifytest.AssertOneLine(t, "digest subject", got)
		if strings.ContainsFunc(got, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Errorf("digestSubject keeps a control character: %q", got)
		}
		if n := len([]rune(got)); n > len("[newshound] 3 alerts: ")+maxSubjectListRunes {
			t.Errorf("digestSubject is %d runes, want ≤ %d", n, len("[newshound] 3 alerts: ")+maxSubjectListRunes)
		}
	})
}

func TestTestAnswer(t *testing.T) {
	be := &backend{user: "newshound", pass: password}
	n := newNotifier(t, baseConfig(serve(t, be, nil, false)))
	answer, retryable, err := n.Test(context.Background(), notifytest.SampleAlert())
	if err != nil || retryable || answer != "250 2.0.0 OK: queued" {
		t.Errorf("Test = (%q, %v, %v), want the server's reply %q", answer, retryable, err, "250 2.0.0 OK: queued")
	}
	if len(be.deliveries()) != 1 {
		t.Errorf("Test delivered %d messages, want 1", len(be.deliveries()))
	}
	spam := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}
	be2 := &backend{user: "newshound", pass: password, dataErr: spam}
	answer, retryable, err = newNotifier(t, baseConfig(serve(t, be2, nil, false))).Test(context.Background(), notifytest.SampleAlert())
	if err == nil || retryable || answer != "" || !strings.Contains(err.Error(), "554") || !strings.Contains(err.Error(), "5.7.1 rejected as spam") {
		t.Errorf("Test on 554 = (%q, %v, %v), want a permanent error quoting the reply", answer, retryable, err)
	}
}

func TestTemplateHTMLPart(t *testing.T) {
	tp, err := tmpl.Parse("mail", tmpl.HTML,
		`<p>{{.Count}} · {{range .Alerts}}<a href="{{.URL}}">{{.Title}}</a> {{.SnippetMarked}}{{end}}</p>`)
	if err != nil {
		t.Fatalf("tmpl.Parse: %v", err)
	}
	be := &backend{}
	cfg := baseConfig(serve(t, be, nil, false))
	cfg.Username, cfg.Password, cfg.Template = "", "", tp
	n := newNotifier(t, cfg)
	a := notifytest.SampleAlert()
	if _, err := n.Notify(context.Background(), a); err != nil {
		t.Fatalf("Notify(template) = %v", err)
	}
	p := parse(t, be.deliveries()[0].data)
	want := `<p>1 · <a href="https://news.example/world/al-hol?id=7&amp;lang=en">&lt;!channel&gt; al-Hol camp: &lt;https://evil.example|bank&gt; &amp; ` +
		"`rm -rf /` &lt;script&gt;alert(1)&lt;/script&gt;\r\nBcc: victim@evil.example</a> " +
		`Families held at &lt;b&gt;<mark>al-Hol</mark>&lt;/b&gt; &amp; Roj &lt;!here&gt; — قالت <mark>القيادة المركزية الأمريكية</mark>` + "\r\n" +
		`Bcc: other@evil.example</p>`
	if p.html != want {
		t.Errorf("templated HTML part =\n%q\nwant\n%q", p.html, want)
	}
	if !strings.Contains(p.text, "newshound alert "+a.ID) {
		t.Errorf("text part is not the built-in one:\n%s", p.text)
	}
	wrong, _ := tmpl.Parse("x", tmpl.Text, "x")
	cfg.Template = wrong
	if _, err := New(cfg); err == nil || errors.Is(err, nil) {
		t.Errorf("New(text template) = %v, want a kind error", err)
	}
}
