package web

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// chromiumNames are the names Chromium goes by on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// TestStatusPageInChromium loads the status page from a running server
// in headless Chromium, checks the DOM the browser built and saves
// screenshots at phone and desktop sizes, into $NEWSHOUND_SCREENSHOTS
// when set (scripts/browser-test sets docs/). It skips where no Chromium
// is installed.
func TestStatusPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	var bin string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skipf("no Chromium on PATH (looked for %v): run scripts/browser-test, which installs the Debian chromium package, to run this test", chromiumNames)
	}

	// The DOM checks run on the hostile fixture; the screenshots show
	// the showcase, data an operator would recognise.
	pageURL := serveFixture(t, newFixture(t))
	dom := chromium(t, bin, "--dump-dom", pageURL)
	checkStatusDOM(t, parsePage(t, string(dom)))

	showcaseURL := serveFixture(t, newShowcase(t))
	showcase := parsePage(t, string(chromium(t, bin, "--dump-dom", showcaseURL)))
	if rows := findAll(showcase, func(n *html.Node) bool { return hasClass(n, "source") }); len(rows) != 4 {
		t.Errorf("showcase page in Chromium has %d source rows, want 4", len(rows))
	}
	if failing := findAll(showcase, byTag(atom.Summary)); len(failing) != 1 || !strings.HasPrefix(text(failing[0]), "2 article pages failing") {
		t.Errorf("showcase page in Chromium has failing-article summaries %v, want one for harbour-news's 2 pages", failing)
	}
	if marks := findAll(showcase, byTag(atom.Mark)); len(marks) < 5 {
		t.Errorf("showcase page in Chromium has %d <mark>s, want at least 5", len(marks))
	}

	// Nothing may make a phone scroll sideways, whatever the data.
	for _, url := range []string{pageURL, showcaseURL} {
		for _, width := range []int{320, 375, 390} {
			l := measureLayout(t, bin, url, width, 800)
			if l.ScrollWidth > l.ClientWidth || len(l.Wide) > 0 {
				t.Errorf("at %d px the page is %d px wide (viewport %d); too wide: %v", width, l.ScrollWidth, l.ClientWidth, l.Wide)
			}
		}
	}

	dir := os.Getenv("NEWSHOUND_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, shot := range []struct {
		name          string
		width, height int
	}{
		{"status-phone.png", 390, 844},
		{"status-desktop.png", 1280, 900},
	} {
		path, err := filepath.Abs(filepath.Join(dir, shot.name))
		if err != nil {
			t.Fatal(err)
		}
		chromium(t, bin, "--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", shot.width, shot.height),
			"--screenshot="+path, showcaseURL)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("screenshot %s not written: %v", shot.name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("screenshot %s is not a PNG: %v", shot.name, err)
		}
		if cfg.Width != shot.width || cfg.Height != shot.height {
			t.Errorf("screenshot %s is %dx%d, want %dx%d", shot.name, cfg.Width, cfg.Height, shot.width, shot.height)
		}
		t.Logf("screenshot: %s", path)
	}
}

// serveFixture serves f on a loopback port until the test ends and
// returns the status page's URL.
func serveFixture(t *testing.T, f *fixture) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.server(t, Auth{}).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/"
}

// newShowcase fills a real store with ordinary-looking data for the
// README's screenshots: four sources (one failing, one with two failing
// article pages), alerts of three
// watches in every delivery state.
func newShowcase(t *testing.T) *fixture {
	t.Helper()
	clock := testclock.New(t0.Add(-3 * time.Hour))
	st, err := store.Open(filepath.Join(t.TempDir(), "showcase.db"), store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{store: st, clock: clock, backend: &storeBackend{
		st: st,
		sources: []sourceConfig{
			{Name: "wire-world", Kind: "feed", URL: "https://wire.example/world/rss.xml", Next: t0.Add(4 * time.Minute)},
			{Name: "business-daily", Kind: "feed", URL: "https://business-daily.example/feed", Next: t0.Add(12 * time.Minute)},
			{Name: "ministry-press", Kind: "page", URL: "https://ministry.example/press-releases", Next: t0.Add(27 * time.Minute)},
			{Name: "harbour-news", Kind: "sitemap", URL: "https://harbour-news.example/sitemap-news.xml", Next: t0.Add(41 * time.Minute)},
		},
		notifiers: []string{"ops-mail", "slack-newsroom", "webhook-crm"},
	}}
	type sample struct {
		watch, source, url, title, fired, snippet string
		hits                                      []string
		ago                                       time.Duration
		notifiers                                 []string
	}
	samples := []sample{
		{"acme-corp", "wire-world", "https://wire.example/world/acme-globex-merger", "Acme and Globex agree on a $4bn merger",
			"Acme AND (merger OR takeover)", "Acme will pay $4bn in cash and shares for Globex, the two boards said on Friday.",
			[]string{"Acme", "Globex"}, 6 * time.Minute, []string{"slack-newsroom", "ops-mail"}},
		{"port-strikes", "harbour-news", "https://harbour-news.example/2026/03/dockers-walk-out", "Dockers walk out at two container terminals",
			`"port strike" OR (dockers NEAR/5 strike)`, "Dockers began a 48-hour strike at the north and east container terminals at dawn.",
			[]string{"Dockers", "strike"}, 38 * time.Minute, []string{"slack-newsroom"}},
		{"sanctions", "ministry-press", "https://ministry.example/press-releases/2026-03-14-designations", "Ministry adds five firms to the sanctions list",
			`"sanctions list"`, "The ministry added five shipping firms to the sanctions list with immediate effect.",
			[]string{"sanctions list"}, 95 * time.Minute, []string{"webhook-crm", "ops-mail"}},
		{"acme-corp", "business-daily", "https://business-daily.example/markets/acme-shares", "Acme shares jump 12% in early trading",
			"Acme", "Shares of Acme rose 12% in early trading after reports of talks.", []string{"Acme"}, 150 * time.Minute, []string{"slack-newsroom"}},
	}
	var wire, business, harbour, ministry []store.QueuedAlert
	var ids []string
	for _, s := range samples {
		a := news.Alert{ID: news.AlertID(s.watch, s.url), Watch: s.watch, Source: s.source, URL: s.url, Title: s.title,
			Found: t0.Add(-s.ago), Fired: s.fired, Snippet: s.snippet}
		for _, hit := range s.hits {
			if i := strings.Index(s.snippet, hit); i >= 0 {
				a.Highlights = append(a.Highlights, news.Span{Start: i, End: i + len(hit)})
			}
		}
		slices.SortFunc(a.Highlights, func(x, y news.Span) int { return x.Start - y.Start })
		q := store.QueuedAlert{Alert: a, Notifiers: s.notifiers}
		switch s.source {
		case "wire-world":
			wire = append(wire, q)
		case "business-daily":
			business = append(business, q)
		case "harbour-news":
			harbour = append(harbour, q)
		default:
			ministry = append(ministry, q)
		}
		ids = append(ids, a.ID)
	}
	f.record(t, store.Pass{Source: "business-daily", Alerts: business, State: store.SourceState{
		LastRun: t0.Add(-18 * time.Minute), LastSuccess: t0.Add(-18 * time.Minute), Items: 30, New: 1, History: []int{30, 30, 29, 30, 30}}})
	f.record(t, store.Pass{Source: "ministry-press", Alerts: ministry, State: store.SourceState{
		LastRun: t0.Add(-33 * time.Minute), LastSuccess: t0.Add(-95 * time.Minute), ConsecutiveFailures: 3, Unhealthy: true,
		UnhealthySince: t0.Add(-33 * time.Minute), History: []int{14, 15, -1, -1, -1},
		LastError: "fetch https://ministry.example/press-releases: http status 503 (retry after 10m0s)"}})
	f.record(t, store.Pass{Source: "harbour-news", Alerts: harbour, State: store.SourceState{
		LastRun: t0.Add(-19 * time.Minute), LastSuccess: t0.Add(-19 * time.Minute), Items: 112, New: 4, History: []int{108, 110, 112}}})
	f.record(t, store.Pass{Source: "wire-world", Alerts: wire, State: store.SourceState{
		LastRun: t0.Add(-6 * time.Minute), LastSuccess: t0.Add(-6 * time.Minute), Items: 40, New: 3, History: []int{40, 40, 38, 40, 40}}})
	// harbour-news lists two stories whose pages are not up yet.
	harbourFailing := store.ArticleFailures{
		"https://harbour-news.example/2026/03/pilot-boats-idle":   {Attempts: 3, First: t0.Add(-47 * time.Minute), LastError: "fetch https://harbour-news.example/2026/03/pilot-boats-idle: http status 404"},
		"https://harbour-news.example/2026/03/berth-schedule.pdf": {Attempts: 2, First: t0.Add(-33 * time.Minute), LastError: `fetch https://harbour-news.example/2026/03/berth-schedule.pdf: content type "application/pdf" is not a web page`},
	}
	must(t, st.PutFetchState("harbour-news", store.FetchState{URL: "https://harbour-news.example/sitemap-news.xml", Failing: harbourFailing}))
	must(t, st.Ack(ids[0]+"/slack-newsroom", t0.Add(-5*time.Minute)))
	must(t, st.Retry(ids[0]+"/ops-mail", t0.Add(4*time.Minute), "smtp 451 4.7.1 greylisted, try again later"))
	must(t, st.Ack(ids[1]+"/slack-newsroom", t0.Add(-37*time.Minute)))
	must(t, st.Ack(ids[2]+"/ops-mail", t0.Add(-94*time.Minute)))
	must(t, st.Dead(ids[2]+"/webhook-crm", "webhook answered 401 Unauthorized", t0.Add(-90*time.Minute)))
	must(t, st.Ack(ids[3]+"/slack-newsroom", t0.Add(-149*time.Minute)))
	clock.Advance(3 * time.Hour)
	return f
}

// chromium runs one headless Chromium command with a throw-away profile
// and returns its standard output.
func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}
