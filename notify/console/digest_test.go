package console

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

func digestAlerts() []news.Alert {
	b := notifytest.Named("optional fields empty")
	b.Watch = "sanctions"
	return []news.Alert{notifytest.SampleAlert(), b, notifytest.Named("control characters")}
}

func TestNotifyDigestGolden(t *testing.T) {
	var buf bytes.Buffer
	if _, err := New(&buf).NotifyDigest(context.Background(), digestAlerts()); err != nil {
		t.Fatalf("NotifyDigest: %v", err)
	}
	golden.Check(t, filepath.Join("testdata", "digest.golden.txt"), buf.Bytes())
	lines := strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 || lines[0] != "--- newshound digest: 3 alerts: detainees (2), sanctions (1) ---\n" {
		t.Fatalf("NotifyDigest wrote %d lines, header %q; want a header and 3 lines", len(lines), lines[0])
	}
	for i, a := range digestAlerts() {
		if got := strings.TrimSuffix(lines[i+1], "\n") + "\n"; got != Line(a) {
			t.Errorf("digest line %d = %q, want Line(alert) %q", i+1, got, Line(a))
		}
	}
	if _, err := New(&buf).NotifyDigest(context.Background(), nil); err == nil {
		t.Errorf("NotifyDigest(no alerts) = nil error")
	}
}

func TestDigestHeader(t *testing.T) {
	for _, tc := range []struct {
		watches []string
		want    string
	}{
		{[]string{"a"}, "--- newshound digest: 1 alert: a (1) ---\n"},
		{[]string{"a\r\nb", "c", "a\r\nb"}, "--- newshound digest: 3 alerts: a  b (2), c (1) ---\n"},
	} {
		var alerts []news.Alert
		for _, w := range tc.watches {
			alerts = append(alerts, news.Alert{Watch: w})
		}
		if got := DigestHeader(alerts); got != tc.want {
			t.Errorf("DigestHeader(%q) = %q, want %q", tc.watches, got, tc.want)
		}
	}
}

func TestTestAnswer(t *testing.T) {
	var buf bytes.Buffer
	answer, retryable, err := New(&buf).Test(context.Background(), notifytest.SampleAlert())
	if answer != "written to stdout" || retryable || err != nil || buf.String() != Line(notifytest.SampleAlert()) {
		t.Errorf("Test = (%q, %v, %v) wrote %q; want (written to stdout, false, nil) and the line", answer, retryable, err, buf.String())
	}
	answer, retryable, err = New(failingWriter{}).Test(context.Background(), notifytest.SampleAlert())
	if answer != "" || !retryable || err == nil {
		t.Errorf("Test on a broken writer = (%q, %v, %v), want retryable error", answer, retryable, err)
	}
}

func TestTemplate(t *testing.T) {
	tp, err := tmpl.Parse("out", tmpl.Text,
		`{{if .Digest}}{{.Count}} alerts{{"\n"}}{{end}}{{range .Alerts}}[{{.Watch}}] {{.Title}} {{.SnippetMarked}}{{"\n"}}{{end}}`+
			`{{if eq .Alert.Source "boom"}}{{index .Alerts 9}}{{end}}`)
	if err != nil {
		t.Fatalf("tmpl.Parse: %v", err)
	}
	var buf bytes.Buffer
	n := New(&buf, WithTemplate(tp))
	a := notifytest.SampleAlert()
	a.Snippet, a.Highlights = "at al-Hol", []news.Span{{Start: 3, End: 9}}
	if _, err := n.NotifyDigest(context.Background(), []news.Alert{a, a}); err != nil {
		t.Fatalf("NotifyDigest(template) = %v", err)
	}
	line := "[detainees] <!channel> al-Hol camp: <https://evil.example|bank> & `rm -rf /` <script>alert(1)</script>  Bcc: victim@evil.example at «al-Hol»\n"
	if want := "2 alerts\n" + line + line; buf.String() != want {
		t.Errorf("templated digest = %q, want %q", buf.String(), want)
	}
	a.Source = "boom"
	if retryable, err := n.Notify(context.Background(), a); err == nil || retryable {
		t.Errorf("Notify(render fails) = (%v, %v), want a permanent error", retryable, err)
	}
	other, _ := tmpl.Parse("x", tmpl.Slack, "{{.Alert.Title}}")
	buf.Reset()
	if _, err := New(&buf, WithTemplate(other)).Notify(context.Background(), a); err != nil || buf.String() != Line(a) {
		t.Errorf("New(slack template) wrote %q, %v; want the built-in line", buf.String(), err)
	}
}

// TestSecurityLines: attacks in every field never add a line or keep a
// control character, in the built-in format and with a template.
func TestSecurityLines(t *testing.T) {
	attacks := []string{"<!channel>", "<https://evil.example|bank>", "```fence```", "*b* _x_",
		"t\r\nBcc: victim@example.com", "<script>alert(1)</script>", "\x1b[2J\x1b]0;pwned\x07", "x\u202egnp.exe", "a\u2028b\u0085c"}
	tp, err := tmpl.Parse("out", tmpl.Text, `{{.Alert.Watch}} {{.Alert.Title}} {{.Alert.URL}} {{.Alert.SnippetMarked}} {{.Alert.Source}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range attacks {
		a := notifytest.SampleAlert()
		a.Title, a.Watch, a.Source, a.URL = v, v, v, "javascript:"+v
		a.Snippet, a.Highlights = "at "+v, []news.Span{{Start: 3, End: 3 + len(v)}}
		for _, n := range []*Notifier{New(nil), New(nil, WithTemplate(tp))} {
			var buf bytes.Buffer
			n.w = &buf
			if _, err := n.NotifyDigest(context.Background(), []news.Alert{a}); err != nil {
				t.Fatal(err)
			}
			want := 2 // header and alert line
			if n.template != nil {
				want = 1
			}
			checkLines(t, v, strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), want)
		}
	}
}

func checkLines(t *testing.T, attack string, lines []string, want int) {
	t.Helper()
	if len(lines) != want {
		t.Errorf("attack %q: output has %d lines, want %d: %q", attack, len(lines), want, lines)
	}
	for _, l := range lines {
		notifytest.AssertOneLine(t, "console line", l)
		checkFlat(t, l)
	}
}
