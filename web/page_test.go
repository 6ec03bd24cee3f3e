package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parsePage parses the status page as a browser would.
func parsePage(t *testing.T, raw string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

// findAll returns the element nodes under n that match.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func byTag(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

func TestStatusPage(t *testing.T) {
	f := newFixture(t)
	resp := get(t, f.server(t, Auth{}).Handler(), "/")
	raw := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", resp.StatusCode)
	}
	checkStatusDOM(t, parsePage(t, raw))
}

// checkStatusDOM checks the page built from the fixture, whether
// rendered by the handler or loaded by a browser.
func checkStatusDOM(t *testing.T, doc *html.Node) {
	t.Helper()
	// Phone-ready head.
	metas := findAll(doc, func(n *html.Node) bool {
		v, _ := attr(n, "name")
		return n.DataAtom == atom.Meta && v == "viewport"
	})
	if len(metas) != 1 {
		t.Errorf("page has %d viewport metas, want 1", len(metas))
	}

	// Sources: one row each, trouble first (the unhealthy one), then by
	// name; health said in words.
	rows := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "source") })
	var names []string
	for _, r := range rows {
		name, _ := attr(r, "data-source")
		names = append(names, name)
	}
	if want := []string{"hostile-site", "fresh", "wire"}; !slices.Equal(names, want) {
		t.Fatalf("source rows = %v, want %v", names, want)
	}
	for i, want := range []string{"✖ unhealthy", "✔ healthy", "✔ healthy"} {
		if got := text(rows[i]); !strings.Contains(got, want) {
			t.Errorf("source row %s text %q lacks %q", names[i], got, want)
		}
	}
	if got := text(rows[0]); !strings.Contains(got, hostileError) || !strings.Contains(got, "4 failed runs in a row") || !strings.Contains(got, "3 · ✖ · ✖") {
		t.Errorf("unhealthy source row text %q lacks its error, failures or history", got)
	}
	if got := text(rows[1]); strings.Contains(got, "hunter2") || !strings.Contains(got, "https://fresh.example/sitemap.xml") {
		t.Errorf("fresh row text %q shows the URL's password or lacks the URL", got)
	}
	// A listing cut for its size says so (RELIABILITY.md item 31); one
	// that was not says nothing.
	if got := text(rows[0]); !strings.Contains(got, "listing cut: 230000 more entries dropped unread") {
		t.Errorf("hostile-site row text %q lacks the cut listing", got)
	}
	if got := text(rows[2]); strings.Contains(got, "listing cut") {
		t.Errorf("wire row text %q speaks of a cut listing", got)
	}
	if got := text(rows[2]); !strings.Contains(got, "5 min ago") || !strings.Contains(got, "in 10 min") {
		t.Errorf("wire row text %q lacks last run (5 min ago) or next run (in 10 min)", got)
	}
	checkFailingDOM(t, rows)
	if summary := findAll(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == "source-summary" }); len(summary) != 1 ||
		text(summary[0]) != "2 healthy · 1 unhealthy" {
		t.Errorf("source summary = %v, want one reading 2 healthy · 1 unhealthy", summary)
	}

	// Alerts: newest first, hits marked, hostile data inert.
	alerts := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "alert") })
	if len(alerts) != 4 {
		t.Fatalf("page shows %d alerts, want 4", len(alerts))
	}
	var marks []string
	for _, m := range findAll(alerts[0], byTag(atom.Mark)) {
		marks = append(marks, text(m))
	}
	if want := []string{"Acme", "ACME"}; !slices.Equal(marks, want) {
		t.Errorf("first alert marks = %v, want %v", marks, want)
	}
	if got := text(alerts[0]); !strings.Contains(got, "✔ slack: delivered") || !strings.Contains(got, "… mail: queued") ||
		!strings.Contains(got, "smtp 451 <greylisted>") {
		t.Errorf("first alert text %q lacks its delivery states", got)
	}
	hostile := alerts[1]
	if h3 := findAll(hostile, byTag(atom.H3)); len(h3) != 1 || text(h3[0]) != hostileTitle {
		t.Errorf("hostile alert title not shown verbatim as text")
	}
	if links := findAll(hostile, byTag(atom.A)); len(links) != 1 || !strings.HasPrefix(attrOf(links[0], "href"), "/watches/") {
		t.Errorf("hostile alert links = %d, want only its feed link (no javascript: link)", len(links))
	}
	if marks := findAll(hostile, byTag(atom.Mark)); len(marks) != 1 || text(marks[0]) != "Acme" {
		t.Errorf("hostile alert marks wrong")
	}
	if got := text(hostile); !strings.Contains(got, "✖ slack: dead") || !strings.Contains(got, "<img src=x onerror=alert(1)>") {
		t.Errorf("hostile alert text %q lacks the dead delivery or its escaped snippet", got)
	}

	// No element that could run or load anything came from the data.
	for _, tag := range []atom.Atom{atom.Script, atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.B} {
		if n := findAll(doc, byTag(tag)); len(n) != 0 {
			t.Errorf("page has %d <%s> elements, want none", len(n), tag)
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "onerror"); return ok }) {
		t.Errorf("element <%s> carries onerror", n.Data)
	}
	for _, a := range findAll(doc, byTag(atom.A)) {
		href := attrOf(a, "href")
		if !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "/") {
			t.Errorf("link href %q is neither http(s) nor same-site", href)
		}
	}

	// Outbox: a row per notifier with counts; the disabled one said so.
	queues := map[string]string{}
	for _, r := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "queue") }) {
		queues[attrOf(r, "data-notifier")] = strings.Join(strings.Fields(text(r)), " ")
	}
	for name, want := range map[string]string{
		"mail":    "mail 1 1 h 0 ✔ enabled",
		"slack":   "slack 0 — 1 ✔ enabled",
		"webhook": "webhook 1 1 h 0 ✖ disabled",
	} {
		if queues[name] != want {
			t.Errorf("outbox row %s = %q, want %q", name, queues[name], want)
		}
	}
	dead := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "dead-letter") })
	if len(dead) != 1 || !strings.Contains(text(dead[0]), `slack answered 404 "<no_service>"`) {
		t.Errorf("dead letters = %d, want 1 with its reason", len(dead))
	}
	disabled := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "disabled-notifier") })
	if len(disabled) != 1 || !strings.Contains(text(disabled[0]), "410 Gone <b>bye</b>") {
		t.Errorf("disabled notifiers = %d, want 1 with its reason", len(disabled))
	}
}

// checkFailingDOM checks the failing article pages of the fixture's
// source rows (hostile-site, fresh, wire): only hostile-site has some,
// 7, of which the 5 oldest are listed, the hostile one as inert text.
func checkFailingDOM(t *testing.T, rows []*html.Node) {
	t.Helper()
	for i, want := range []int{1, 0, 0} {
		if got := len(findAll(rows[i], func(n *html.Node) bool { return n.DataAtom == atom.Details && hasClass(n, "failing") })); got != want {
			t.Errorf("source row %d has %d failing-article blocks, want %d", i, got, want)
		}
	}
	summary := findAll(rows[0], byTag(atom.Summary))
	if want := "7 article pages failing (" + fixtureFailingNote + ")"; len(summary) != 1 || text(summary[0]) != want {
		t.Fatalf("hostile-site failing summary = %v, want one reading %q", summary, want)
	}
	items := findAll(rows[0], func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "failing-article") })
	if len(items) != pageFailing {
		t.Fatalf("hostile-site lists %d failing articles, want the %d oldest", len(items), pageFailing)
	}
	first := text(items[0])
	if !strings.Contains(first, hostileArticleURL) || !strings.Contains(first, hostileArticleError) || !strings.Contains(first, "4 failed passes since 50 min ago") {
		t.Errorf("oldest failing article text %q lacks its URL, error or attempts verbatim", first)
	}
	if links := findAll(items[0], byTag(atom.A)); len(links) != 0 {
		t.Errorf("hostile failing article has %d links, want its javascript: URL as text only", len(links))
	}
	links := findAll(items[1], byTag(atom.A))
	if len(links) != 1 || attrOf(links[0], "href") != "https://hostile.example/story-0" {
		t.Errorf("second failing article links = %d, want one to https://hostile.example/story-0", len(links))
	}
	more := findAll(rows[0], func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "more") })
	if len(more) != 1 || !strings.Contains(text(more[0]), "and 2 more") {
		t.Errorf("hostile-site failing list does not end with the 2 not shown")
	}
}

func attrOf(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

// A failing backend still gives a page that says what is missing.
func TestStatusPageBackendDown(t *testing.T) {
	s := New(Options{Backend: brokenBackend{}, Logger: discardLogger()})
	resp := get(t, s.Handler(), "/")
	raw := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{"✖ not ready: store closed", "Could not read the sources", "Could not read the alerts", "Could not read the outbox"} {
		if !strings.Contains(raw, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(raw, "secret-path") {
		t.Errorf("page shows the backend's error message")
	}
}

func TestStaticFiles(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	resp := get(t, h, "/static/style.css")
	if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(b, "@media") {
		t.Errorf("GET /static/style.css = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, target := range []string{"/static/", "/static/nothing.css", "/nothing"} {
		if resp := get(t, h, target); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s status = %d, want 404", target, resp.StatusCode)
		}
	}
}
