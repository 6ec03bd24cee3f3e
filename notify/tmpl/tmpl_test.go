package tmpl

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
)

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		src  string
		want string // in the error
	}{
		{"syntax", Text, "{{.Alert.Title", "unclosed action"},
		{"unknown field", Text, "{{.Alert.Titel}}", "Titel"},
		{"unknown top field", Slack, "{{.Title}}", "Title"},
		{"unknown function", Text, "{{shout .Alert.Title}}", "shout"},
		{"bad argument", Text, `{{truncate "ten" .Alert.Title}}`, "expected integer"},
		{"quoted by hand", Webhook, `{"title": "{{.Alert.Title}}"}`, "not JSON"},
		{"two values", Webhook, `{"id": {{json .ID}}} {}`, "after the JSON value"},
		// RELIABILITY.md item 43: JavaScript and Go escapes are not JSON.
		{"js escaping", Webhook, `{"title": "{{js .Alert.Title}}"}`, "not JSON"},
		{"js escaping of the source", Webhook, `{"source": "{{js .Alert.Source}}"}`, "not JSON"},
		{"go quoting", Webhook, `{"title": {{printf "%q" .Alert.Title}}}`, "not JSON"},
		{"go quoting of the snippet", Webhook, `{"s": {{printf "%q" .Alert.Snippet}}}`, "not JSON"},
		{"html escaping", Webhook, `{"title": "{{html .Alert.Title}}"}`, "not JSON"},
		{"not json at all", Webhook, `title={{.Alert.Title}}`, "not JSON"},
		{"empty", Slack, "{{if false}}x{{end}}  \n", "renders nothing"},
		{"html unfinished tag", HTML, `<a href="{{.Alert.URL}}`, "html"},
		{"index out of range", Text, "{{index .Alerts 7}}", "index"},
		{"unknown kind", Kind(9), "x", "unknown kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := Parse("mynotifier", tc.kind, tc.src)
			if err == nil {
				t.Fatalf("Parse(%v, %q) = %v, nil; want an error", tc.kind, tc.src, tm)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%v, %q) error = %q, want it to mention %q", tc.kind, tc.src, err, tc.want)
			}
		})
	}
}

// TestSamplesRenderAsJSON: every hostile sample, alone and as a digest,
// renders to JSON that decodes to the sample's own fields through a
// template that writes them with json (RELIABILITY.md item 43).
func TestSamplesRenderAsJSON(t *testing.T) {
	tm := mustParse(t, Webhook, `{"id": {{json .ID}}, "alerts": [{{range $i, $a := .Alerts}}{{if $i}},{{end}}`+
		`{"title": {{json $a.Title}}, "source": {{json $a.Source}}, "fired": {{json $a.Fired}}, `+
		`"snippet": {{json $a.Snippet}}, "marked": {{json $a.SnippetMarked}}, "seen": {{json $a.Matches}}}{{end}}]}`)
	for _, s := range samples() {
		out, err := tm.Render(s.alerts, s.digest)
		if err != nil {
			t.Fatalf("Render(%s) = %v", s.name, err)
		}
		var got struct {
			Alerts []struct{ Title, Source, Fired, Snippet string }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("Render(%s) is not JSON: %v\n%s", s.name, err, out)
		}
		for i, a := range got.Alerts {
			want := s.alerts[i]
			if a.Source != field(Webhook, want.Source, maxFieldRunes) || a.Fired != field(Webhook, want.Fired, maxFiredRunes) ||
				a.Title != field(Webhook, want.Title, maxTitleRunes) {
				t.Errorf("Render(%s) alert %d = %+v, want the sample's fields", s.name, i, a)
			}
		}
	}
}

func mustParse(t *testing.T, kind Kind, src string) *Template {
	t.Helper()
	tm, err := Parse("n", kind, src)
	if err != nil {
		t.Fatalf("Parse(%v, %q): %v", kind, src, err)
	}
	return tm
}

func TestRenderEscapesPerKind(t *testing.T) {
	a := notifytest.SampleAlert()
	a.Title = "<!channel> \"q\" <https://evil.example|bank> &\r\nBcc: v@example.com"
	a.Snippet = "at al-Hol <b>"
	a.Highlights = []news.Span{{Start: 3, End: 9}}
	const src = "{{.Alert.Title}}|{{.Alert.SnippetMarked}}|{{.Alert.URL}}"
	for _, tc := range []struct {
		kind Kind
		url  string
		want string
	}{
		{Text, "https://n.example/a?b=1&c=2", "<!channel> \"q\" <https://evil.example|bank> &  Bcc: v@example.com|at «al-Hol» <b>|https://n.example/a?b=1&c=2"},
		{Slack, "https://n.example/a?b=1&c=2", "&lt;!channel&gt; \"q\" &lt;https://evil.example|bank&gt; &amp;  Bcc: v@example.com|at *al-Hol* &lt;b&gt;|https://n.example/a?b=1&amp;c=2"},
		{Slack, "javascript:alert(1)", "&lt;!channel&gt; \"q\" &lt;https://evil.example|bank&gt; &amp;  Bcc: v@example.com|at *al-Hol* &lt;b&gt;|"},
		{HTML, "https://n.example/a?b=1&c=2", "&lt;!channel&gt; &#34;q&#34; &lt;https://evil.example|bank&gt; &amp;\r\nBcc: v@example.com|at <mark>al-Hol</mark> &lt;b&gt;|https://n.example/a?b=1&amp;c=2"},
		{HTML, "javascript:alert(1)", "&lt;!channel&gt; &#34;q&#34; &lt;https://evil.example|bank&gt; &amp;\r\nBcc: v@example.com|at <mark>al-Hol</mark> &lt;b&gt;|"},
	} {
		a.URL = tc.url
		got, err := mustParse(t, tc.kind, src).Render([]news.Alert{a}, false)
		if err != nil {
			t.Fatalf("Render(%v): %v", tc.kind, err)
		}
		if got != tc.want {
			t.Errorf("Render(%v, url %q) = %q, want %q", tc.kind, tc.url, got, tc.want)
		}
	}
}

func TestRenderWebhookKeepsRawData(t *testing.T) {
	tm := mustParse(t, Webhook, `{"id": {{json .ID}}, "n": {{.Count}}, "titles": [{{range $i, $a := .Alerts}}{{if $i}},{{end}}{{json $a.Title}}{{end}}], "found": {{json .Alert.Found}}, "marked": {{json .Alert.SnippetMarked}}}`)
	a := notifytest.SampleAlert()
	b := notifytest.Named("javascript url")
	b.ID = "nh_other"
	out, err := tm.Render([]news.Alert{a, b}, true)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var got struct {
		ID     string
		N      int
		Titles []string
		Found  time.Time
		Marked string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("Render output is not JSON: %v\n%s", err, out)
	}
	if got.ID != news.DigestID([]news.Alert{a, b}) || got.N != 2 || len(got.Titles) != 2 || got.Titles[0] != a.Title {
		t.Errorf("Render(digest) = %+v, want id %s, 2 raw titles", got, news.DigestID([]news.Alert{a, b}))
	}
	if !got.Found.Equal(a.Found) || !strings.Contains(got.Marked, "«al-Hol»") {
		t.Errorf("Render found/marked = %v / %q", got.Found, got.Marked)
	}
}

func TestDigestData(t *testing.T) {
	mk := func(id, watch string) news.Alert {
		return news.Alert{ID: id, Watch: watch, Title: id, Found: time.Unix(0, 0)}
	}
	alerts := []news.Alert{mk("1", "b"), mk("2", "a"), mk("3", "b"), mk("4", news.WatchDelivery)}
	d := newData(Text, alerts, true)
	var got []string
	for _, w := range d.Watches {
		var ids []string
		for _, a := range w.Alerts {
			ids = append(ids, a.ID)
		}
		got = append(got, w.Name+":"+strings.Join(ids, ",")+":"+string(rune('0'+w.Count)))
	}
	if want := "b:1,3:2 a:2:1 delivery:4:1"; strings.Join(got, " ") != want {
		t.Errorf("Watches = %q, want %q", strings.Join(got, " "), want)
	}
	if d.Count != 4 || !d.Digest || d.Alert.ID != "1" || d.ID != news.DigestID(alerts) {
		t.Errorf("Data = count %d digest %v first %s id %s", d.Count, d.Digest, d.Alert.ID, d.ID)
	}
	if d.Alerts[0].Notice || !d.Alerts[3].Notice {
		t.Errorf("Notice = %v/%v, want false for a watch, true for %s", d.Alerts[0].Notice, d.Alerts[3].Notice, news.WatchDelivery)
	}
	if single := newData(Text, alerts[:1], false); single.ID != "1" {
		t.Errorf("single message id = %q, want the alert id", single.ID)
	}
}

func TestFunctions(t *testing.T) {
	a := news.Alert{ID: "nh_1", Watch: "w", Title: "a & b <c> déjà", Found: time.Date(2026, 1, 2, 3, 4, 0, 0, time.FixedZone("X", 3600))}
	for _, tc := range []struct {
		kind      Kind
		src, want string
	}{
		{Text, `{{truncate 5 .Alert.Title}}`, "a & …"},
		{Text, `{{truncate 99 .Alert.Title}}`, "a & b <c> déjà"},
		{Text, `{{truncate 0 .Alert.Title}}x`, "x"},
		{Slack, `{{truncate 4 .Alert.Title}}`, "a &amp;…"},
		{Slack, `{{truncate 3 .Alert.Title}}`, "a …"},
		{Slack, `{{.Alert.Title | truncate 7}}`, "a &amp; b …"},
		{Text, `{{date "2006-01-02 15:04 MST" .Alert.Found}}`, "2026-01-02 02:04 UTC"},
		{Text, `[{{date "2006" .Alert.Published}}]`, "[]"},
		{Text, `{{json .Alert.Title}}`, `"a \u0026 b \u003cc\u003e déjà"`},
		{Text, `{{json .Alert.Matches}}`, `[]`},
	} {
		got, err := mustParse(t, tc.kind, tc.src).Render([]news.Alert{a}, false)
		if err != nil || got != tc.want {
			t.Errorf("Render(%v, %q) = %q, %v; want %q", tc.kind, tc.src, got, err, tc.want)
		}
	}
}

func TestRenderNoAlerts(t *testing.T) {
	if out, err := mustParse(t, Text, "x").Render(nil, true); err == nil {
		t.Errorf("Render(no alerts) = %q, nil; want an error", out)
	}
}

// FuzzParseRender: any source either fails Parse or renders the hostile
// alerts without panicking, and a Webhook template that parsed only ever
// renders JSON.
func FuzzParseRender(f *testing.F) {
	f.Add(int(Webhook), `{"t": {{json .Alert.Title}}}`, "<!channel>")
	f.Add(int(Slack), `*{{.Alert.Title}}* {{.Alert.SnippetMarked}}`, "x")
	f.Add(int(HTML), `<a href="{{.Alert.URL}}">{{.Alert.Title}}</a>{{.Alert.SnippetMarked}}`, "\"><script>")
	f.Add(int(Text), `{{range .Watches}}{{.Name}} {{.Count}}{{end}}`, "\r\nBcc: x")
	f.Add(int(Webhook), `{{if .Digest}}[]{{else}}{"a": "{{.Alert.ID}}"}{{end}}`, "\"")
	f.Fuzz(func(t *testing.T, kind int, src, title string) {
		k := Kind(((kind % 4) + 4) % 4)
		tm, err := Parse("fuzz", k, src)
		if err != nil {
			return
		}
		a := notifytest.SampleAlert()
		a.Title = title
		for _, digest := range []bool{false, true} {
			out, err := tm.Render([]news.Alert{a, notifytest.Named("control characters")}, digest)
			if err == nil && k == Webhook && !json.Valid([]byte(out)) {
				t.Errorf("Webhook template %q rendered invalid JSON: %q", src, out)
			}
		}
	})
}

func TestCountWatches(t *testing.T) {
	var alerts []news.Alert
	for _, w := range []string{"b", "a", "b", "", "b"} {
		alerts = append(alerts, news.Alert{Watch: w})
	}
	got := CountWatches(alerts)
	want := []WatchCount{{"b", 3}, {"a", 1}, {"", 1}}
	if len(got) != len(want) {
		t.Fatalf("CountWatches = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("CountWatches[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if got := CountWatches(nil); len(got) != 0 {
		t.Errorf("CountWatches(nil) = %v, want none", got)
	}
}
