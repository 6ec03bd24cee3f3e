package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// sourcesSite serves a healthy feed at /rss.xml listing two articles and
// a page that is never published (404), and a broken feed at
// /broken.xml that always answers 500.
func sourcesSite(t *testing.T) *testsite.Site {
	t.Helper()
	site := testsite.New(t)
	// The links name the host the request named: prepareSources dials
	// this site for another name.
	site.Handle("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>http://%[1]s/one.html</link></item>
<item><title>Two</title><link>http://%[1]s/two.html</link></item>
<item><title>Soon</title><link>http://%[1]s/soon.html</link></item></channel></rss>`, r.Host)
	})
	story := []byte(`<html><head><title>A story</title></head><body><article><h1>A story</h1>
<p>Officials said the operation had been planned for several months and involved several ministries.</p>
<p>Aid workers described long queues at the checkpoints, where families waited with their belongings.</p>
<p>The spokesperson declined to give a timetable for the next phase of the operation in the region.</p>
</article></body></html>`)
	site.Page("/one.html", "text/html; charset=utf-8", story)
	site.Page("/two.html", "text/html; charset=utf-8", story)
	site.Handle("/broken.xml", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database on fire", http.StatusInternalServerError)
	})
	return site
}

// sourcesConfig: %[1]s is the site, %[2]s more sources.
const sourcesConfig = `data: sources.db
crawl:
  host_delay: 0s # one test server serves every source
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: broken
    feed: %[1]s/broken.xml
%[2]s
watches:
  - name: centcom
    entities: [CENTCOM]
    notify: [console]
notifiers:
  - name: console
    stdout: {}
health:
  notify: [console]
`

// prepareSources runs the real pipeline three times, an hour apart, over
// a config with a healthy and a failing feed, then writes a config that
// adds a source that never ran. It returns that config's path.
//
// The config names the site news.test and the app's transport dials the
// test server for it, so URLs (and the errors quoting them) are the same
// on every run and the golden file holds them verbatim.
func prepareSources(t *testing.T, srv *testsite.Site) string {
	t.Helper()
	const site = "http://news.test"
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran.yaml")
	if err := os.WriteFile(ran, fmt.Appendf(nil, sourcesConfig, site, ""), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(ran, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var console strings.Builder
	var dialer net.Dialer
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, srv.Addr())
	}}
	defer transport.CloseIdleConnections()
	a, err := app.New(cfg, app.Options{Now: func() time.Time { return now }, Stdout: &console, Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		now = now.Add(time.Hour)
		if _, err := a.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(console.String(), `[source-health] broken: Source "broken" is unhealthy: 3 failed runs in a row`); got != 1 {
		t.Errorf("console printed %d unhealthy notices for broken, want 1:\n%s", got, console.String())
	}
	more := "  - name: later\n    page: " + site + "/world/\n    links: h2 a"
	path := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, sourcesConfig, site, more), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSourcesCommand: after three passes the table shows wire healthy,
// broken unhealthy with its error, and later never run.
func TestSourcesCommand(t *testing.T) {
	site := sourcesSite(t)
	path := prepareSources(t, site)
	var out, errOut strings.Builder
	if code := sourcesCmd([]string{"--config", path}, &out, &errOut, noEnv); code != exitOK {
		t.Fatalf("sources = %d, stderr %q; want 0", code, errOut.String())
	}
	checkSourcesGolden(t, filepath.Join("testdata", "sources", "table.golden"), out.String())

	out.Reset()
	if code := sourcesCmd([]string{"--config", path, "--json"}, &out, &errOut, noEnv); code != exitOK {
		t.Fatalf("sources --json = %d, stderr %q; want 0", code, errOut.String())
	}
	// The document is the API's (web.SourcesPage), field for field.
	var page web.SourcesPage
	dec := json.NewDecoder(strings.NewReader(out.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&page); err != nil {
		t.Fatalf("sources --json output is not the /api/v1/sources document: %v\n%s", err, out.String())
	}
	doc := page.Sources
	var summary []string
	for _, s := range doc {
		var failing []string
		for _, f := range s.FailingArticles {
			failing = append(failing, fmt.Sprintf("%s×%d since %s (%s)", f.URL, f.Attempts, f.FirstFailure.Format(time.RFC3339), f.LastError))
		}
		summary = append(summary, fmt.Sprintf("%s %s unhealthy=%v failures=%d items=%d history=%v ran=%v failing=%q",
			s.Name, s.Health, !s.Healthy, s.ConsecutiveFailures, s.Items, s.History, s.LastRun != nil, failing))
	}
	// The page that is never published failed on each of the three
	// passes, the first at 10:00; five are needed to give it up.
	// Trouble first (broken), then by name.
	want := []string{
		`broken unhealthy unhealthy=true failures=3 items=0 history=[-1 -1 -1] ran=true failing=[]`,
		`later never run unhealthy=false failures=0 items=0 history=[] ran=false failing=[]`,
		`wire ok unhealthy=false failures=0 items=3 history=[3 3 3] ran=true failing=["http://news.test/soon.html×3 since 2026-11-25T10:00:00Z (fetch http://news.test/soon.html: http status 404)"]`,
	}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("sources --json mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), `"failing_articles": []`) {
		t.Errorf("sources --json gives no failing_articles: [] for the sources without any:\n%s", out.String())
	}
	if !strings.Contains(doc[0].LastError, "500") {
		t.Errorf("sources --json broken last_error = %q, want the 500", doc[0].LastError)
	}
	wantCounts := web.SourceCounts{Total: 3, OK: 1, Unhealthy: 1, NeverRun: 1, Trouble: 1, NeverSucceeded: 1}
	if page.Counts != wantCounts || page.Next != "" {
		t.Errorf("sources --json counts %+v, next %q; want %+v and no next page", page.Counts, page.Next, wantCounts)
	}
	checkSourcesPaging(t, path)
}

// checkSourcesPaging: --filter keeps the sources in trouble, --limit
// bounds the page and prints the command for the next, whose --cursor
// goes on where the page ended.
func checkSourcesPaging(t *testing.T, path string) {
	t.Helper()
	page := func(args ...string) (names []string, footer string) {
		t.Helper()
		var out, errOut strings.Builder
		if code := sourcesCmd(append([]string{"--config", path}, args...), &out, &errOut, noEnv); code != exitOK {
			t.Fatalf("sources %q = %d, stderr %q; want 0", args, code, errOut.String())
		}
		table, footer, _ := strings.Cut(out.String(), "\n\n")
		for _, line := range strings.Split(table, "\n")[1:] {
			names = append(names, strings.Fields(line)[0])
		}
		return names, footer
	}
	for _, tt := range []struct {
		args      []string
		want      []string
		wantShell string // the next page's command, "" for none
		wantNext  []string
	}{
		{[]string{"--filter", "trouble"}, []string{"broken"}, "", nil},
		{[]string{"--filter", "unhealthy"}, []string{"broken"}, "", nil},
		{[]string{"--filter", "never_succeeded"}, []string{"broken"}, "", nil},
		{[]string{"--filter", "failing"}, nil, "", nil},
		{[]string{"--limit", "2"}, []string{"broken", "later"}, "newshound sources --limit 2 --cursor ", []string{"wire"}},
		{[]string{"--limit", "1", "--filter", "all"}, []string{"broken"}, "newshound sources --limit 1 --cursor ", []string{"later"}},
	} {
		names, footer := page(tt.args...)
		if !slices.Equal(names, tt.want) {
			t.Errorf("sources %q lists %q, want %q", tt.args, names, tt.want)
		}
		if !strings.HasPrefix(footer, "3 sources: 1 ok · 0 degraded · 1 unhealthy · 1 never run; trouble: 1") {
			t.Errorf("sources %q footer %q lacks the counts", tt.args, footer)
		}
		_, next, ok := strings.Cut(footer, "next page: ")
		if tt.wantShell == "" {
			if ok {
				t.Errorf("sources %q offers a next page: %q", tt.args, next)
			}
			continue
		}
		if !strings.HasPrefix(next, tt.wantShell) {
			t.Fatalf("sources %q next page %q, want %q…", tt.args, next, tt.wantShell)
		}
		rest, _ := page(strings.Fields(strings.TrimPrefix(next, "newshound sources "))...)
		if !slices.Equal(rest, tt.wantNext) {
			t.Errorf("sources %q, next page lists %q, want %q", tt.args, rest, tt.wantNext)
		}
	}
}

func checkSourcesGolden(t *testing.T, file, got string) {
	t.Helper()
	golden.Check(t, file, []byte(got))
}

func TestSourcesCommandErrors(t *testing.T) {
	site := sourcesSite(t)
	path := writeFile(t, fmt.Sprintf(sourcesConfig, site.URL(""), ""))
	for _, tt := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"no database yet", []string{"--config", path}, exitOK, "wire    feed  never run", ""},
		{"extra argument", []string{"--config", path, "x"}, exitUsage, "", `unexpected argument "x"`},
		{"bad flag", []string{"--config", path, "--color"}, exitUsage, "", "flag provided but not defined"},
		{"missing config", []string{"--config", path + ".nope"}, exitFailure, "", "nope"},
		{"bad filter", []string{"--config", path, "--filter", "sick"}, exitUsage, "", `filter "sick": must be one of all, trouble`},
		{"bad limit", []string{"--config", path, "--limit", "0"}, exitUsage, "", "limit 0: must be from 1 to 1000"},
		{"bad cursor", []string{"--config", path, "--cursor", "x!"}, exitUsage, "", "not a cursor of the source table"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := sourcesCmd(tt.args, &out, &errOut, noEnv)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("sourcesCmd(%q) = %d, stdout %q, stderr %q; want %d, %q, %q",
					tt.args, code, out.String(), errOut.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "sources.db")); err == nil {
		t.Errorf("sources created a database where there was none")
	}
}

// TestSourcesWhileDaemonRuns: a store held open (as the daemon holds it)
// makes sources fail at once with a message saying what to do.
func TestSourcesWhileDaemonRuns(t *testing.T) {
	site := sourcesSite(t)
	path := writeFile(t, fmt.Sprintf(sourcesConfig, site.URL(""), ""))
	held, err := store.Open(filepath.Join(filepath.Dir(path), "sources.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var out, errOut strings.Builder
	code := sourcesCmd([]string{"--config", path}, &out, &errOut, noEnv)
	if code != exitFailure || out.String() != "" || !strings.Contains(errOut.String(), "the daemon holds the database") {
		t.Errorf("sources on a held store = %d, stdout %q, stderr %q; want 1 and the daemon message", code, out.String(), errOut.String())
	}
}

func TestHealthCell(t *testing.T) {
	for _, tt := range []struct {
		s    store.SourceState
		want string
	}{
		{store.SourceState{}, "ok"},
		{store.SourceState{ConsecutiveFailures: 2}, "degraded (2/3 failed)"},
		{store.SourceState{ConsecutiveEmpty: 1}, "degraded (1/3 empty)"},
		{store.SourceState{ConsecutiveFailures: 1, ConsecutiveEmpty: 2}, "degraded (1/3 failed)"},
		{store.SourceState{ConsecutiveFailures: 5, Unhealthy: true}, "UNHEALTHY"},
		{store.SourceState{ConsecutiveEmpty: 3, Unhealthy: true}, "UNHEALTHY"},
		// The daemon's flag wins over a threshold edited since.
		{store.SourceState{ConsecutiveFailures: 2, Unhealthy: true}, "UNHEALTHY"},
	} {
		tt.s.LastRun = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		r := web.NewSourceStatus("wire", "feed", "https://wire.example/rss.xml", tt.s, store.FetchState{}, time.Time{})
		if got := healthCell(r, 3); got != tt.want {
			t.Errorf("healthCell(%+v, 3) = %q, want %q", tt.s, got, tt.want)
		}
	}
	if got := healthCell(web.SourceStatus{}, 3); got != "never run" {
		t.Errorf("healthCell(never run) = %q, want %q", got, "never run")
	}
}

func TestErrorCell(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "-"},
		{"fetch feed: 500", "fetch feed: 500"},
		{"a\tb\n c\x1b[31m", "a b c [31m"},
		{strings.Repeat("é", 60), strings.Repeat("é", 60)},
		{"crawl wire: fetch http://127.0.0.1:45678/a/very/long/path/rss.xml: http status 503",
			"crawl wire: fetch ht…very/long/path/rss.xml: http status 503"},
	} {
		if got := errorCell(tt.in); got != tt.want {
			t.Errorf("errorCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzErrorCell: whatever a server or parser put in an error, the cell is
// one line without tabs, valid UTF-8 and at most maxErrorCell runes.
func FuzzErrorCell(f *testing.F) {
	for _, seed := range []string{"", "fetch feed: 500", "a\tb\r\nc", "\xff\xfe", strings.Repeat("ع", 100), "\u202eevil"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := errorCell(in)
		if strings.ContainsAny(got, "\t\r\n") || !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxErrorCell {
			t.Errorf("errorCell(%q) = %q: not one bounded, valid line", in, got)
		}
	})
}

// TestSourcesHidesURLCredentials (RELIABILITY.md item 40): a source URL's
// user info and credential parameters never reach the output.
func TestSourcesHidesURLCredentials(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newshound.yaml")
	more := "  - name: private\n    feed: http://reader:s3cretpass@news.test/feed.xml?apikey=s3cretkey&lang=en"
	if err := os.WriteFile(path, fmt.Appendf(nil, sourcesConfig, "http://news.test", more), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--config", path}, {"--config", path, "--json"}} {
		var out, errOut strings.Builder
		if code := sourcesCmd(args, &out, &errOut, noEnv); code != exitOK {
			t.Fatalf("sources %q = %d, stderr %q; want 0", args, code, errOut.String())
		}
		for _, secret := range []string{"s3cretpass", "s3cretkey", "reader"} {
			if strings.Contains(out.String()+errOut.String(), secret) {
				t.Errorf("sources %q shows %q:\n%s", args, secret, out.String())
			}
		}
		if args[len(args)-1] == "--json" && !strings.Contains(out.String(), `"http://news.test/feed.xml?apikey=REDACTED\u0026lang=en"`) {
			t.Errorf("sources %q does not show the masked URL:\n%s", args, out.String())
		}
	}
}

func TestItemsCell(t *testing.T) {
	for _, tc := range []struct {
		items, truncated int
		want             string
	}{
		{12, 0, "12"},
		{0, 0, "0"},
		{10000, 230000, "10000 +230000 cut"},
	} {
		if got := itemsCell(tc.items, tc.truncated); got != tc.want {
			t.Errorf("itemsCell(%d, %d) = %q, want %q", tc.items, tc.truncated, got, tc.want)
		}
	}
}
