package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// replayConfig is the config of the replay tests: %[1]s is the news site,
// %[2]s the webhook receiver, %[3]s the extra watches.
const replayConfig = `
data: replay.db
# one loopback host serves every test page: no politeness delay
crawl: {host_delay: 0s}
keep_text: 48h
defaults:
  max_age: 72h
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: desk
    page: %[1]s/world/
    links: "h2.headline a"
watches:
  - name: camp
    entities:
      - name: al Hol
        aliases: [al-Hawl]
    notify: [hook]
%[3]s
notifiers:
  - name: hook
    webhook:
      url: %[2]s/newshound
`

// replayWatches are the watches added after the first pass: isis fires on
// two stories, one too old; camp-desk only applies to the desk source.
const replayWatches = `  - name: isis
    entities:
      - name: ISIS
        aliases: [Daesh]
    notify: [hook]
  - name: camp-desk
    query: '"al Hol" AND camp'
    sources: [desk]
    notify: [hook]`

// replayWorld is a news site, a webhook receiver and a config folder.
type replayWorld struct {
	site *testsite.Site
	hook *testreceiver.HTTP
	dir  string
}

func newReplayWorld(t *testing.T, now time.Time) *replayWorld {
	t.Helper()
	w := &replayWorld{site: testsite.NewNews(t), hook: testreceiver.NewWebhook(t), dir: t.TempDir()}
	hour := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	w.site.AddStory("/wire/transfer.html", "Families leave al-Hol",
		`<p>Iraqi families left the al-Hol camp in north-east Syria on Tuesday, officials said.</p>`+filler(4))
	w.site.AddStory("/wire/raid.html", "Raid on desert hideout",
		`<p>Security forces said they raided a Daesh hideout near the border overnight.</p>`+filler(4))
	w.site.AddStory("/wire/old.html", "An old Daesh story",
		`<p>This story on Daesh was published long before it was crawled.</p>`+filler(4))
	w.site.AddStory("/desk/camp.html", "Inside the camp",
		`<p>Aid workers at the al Hol camp described long queues for water.</p>`+filler(4))
	w.site.AddStory("/desk/weather.html", "Storm warning",
		`<p>Forecasters warned of heavy rain along the coast this weekend.</p>`+filler(4))
	w.site.SetFeed([]testsite.Item{
		{Path: "/wire/transfer.html", Title: "Families leave al-Hol", Published: hour(1)},
		{Path: "/wire/raid.html", Title: "Raid on desert hideout", Published: hour(2)},
		{Path: "/wire/old.html", Title: "An old Daesh story", Published: hour(24 * 10)},
	})
	w.site.SetListing([]string{"/desk/camp.html", "/desk/weather.html"})
	return w
}

// config writes and loads the replay config with extra watches.
func (w *replayWorld) config(t *testing.T, extra string) *config.Config {
	t.Helper()
	path := filepath.Join(w.dir, "newshound.yaml")
	text := fmt.Sprintf(replayConfig, w.site.URL(""), w.hook.URL, extra)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	return cfg
}

// hitKeys renders replay hits as "watch path alerted=…", sorted.
func (w *replayWorld) hitKeys(hits []ReplayHit) []string {
	var out []string
	for _, h := range hits {
		path := strings.TrimPrefix(h.Article.URL, w.site.URL(""))
		out = append(out, fmt.Sprintf("%s %s alerted=%v", h.Hit.Watch, path, h.Alerted))
	}
	slices.Sort(out)
	return out
}

// TestReplayNewWatch: after a pass with one watch, replay with two new
// watches reports what they would have raised — respecting sources and
// max_age, marking what was already alerted — and delivers nothing.
func TestReplayNewWatch(t *testing.T) {
	now := time.Now().UTC()
	w := newReplayWorld(t, now)
	first, err := New(w.config(t, ""), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	runOnce(t, first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	delivered := len(w.hook.Requests())
	if delivered != 2 { // camp on the transfer and on the desk story
		t.Fatalf("first pass delivered %d alerts, want 2", delivered)
	}

	a, err := New(w.config(t, replayWatches), Options{})
	if err != nil {
		t.Fatalf("New(config with new watches): %v", err)
	}
	defer a.Close()
	res, err := a.Replay(context.Background(), now.Add(-time.Hour), "")
	if err != nil {
		t.Fatalf("Replay(all): %v", err)
	}
	want := []string{
		"camp /desk/camp.html alerted=true",
		"camp /wire/transfer.html alerted=true",
		"camp-desk /desk/camp.html alerted=false",
		"isis /wire/raid.html alerted=false", // old.html is past max_age; weather matches nothing
	}
	if diff := cmp.Diff(want, w.hitKeys(res.Hits)); diff != "" {
		t.Errorf("Replay(all) hits mismatch (-want +got):\n%s", diff)
	}
	// Four: old.html, past max_age in the feed, was marked seen unfetched.
	if res.Articles != 4 {
		t.Errorf("Replay(all) looked at %d articles, want 4", res.Articles)
	}
	for _, h := range res.Hits {
		if h.Hit.Fired == "" || h.Hit.Snippet == "" {
			t.Errorf("replay hit %s on %s has Fired %q, Snippet %q; want both", h.Hit.Watch, h.Article.URL, h.Hit.Fired, h.Hit.Snippet)
		}
	}

	only, err := a.Replay(context.Background(), time.Time{}, "isis")
	if err != nil {
		t.Fatalf("Replay(isis): %v", err)
	}
	if diff := cmp.Diff([]string{"isis /wire/raid.html alerted=false"}, w.hitKeys(only.Hits)); diff != "" {
		t.Errorf("Replay(isis) hits mismatch (-want +got):\n%s", diff)
	}
	later, err := a.Replay(context.Background(), now.Add(time.Hour), "")
	if err != nil || later.Articles != 0 || len(later.Hits) != 0 {
		t.Errorf("Replay(since the future) = %+v, %v; want nothing", later, err)
	}

	if n := len(w.hook.Requests()); n != delivered {
		t.Errorf("webhook got %d requests after replay, want still %d: replay must send nothing", n, delivered)
	}
	if q, err := a.Store().Queued(); err != nil || len(q) != 0 {
		t.Errorf("outbox after replay = %d entries, %v; want none queued", len(q), err)
	}
}

func TestReplayErrors(t *testing.T) {
	w := newReplayWorld(t, time.Now())
	a, err := New(w.config(t, replayWatches), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.Replay(context.Background(), time.Time{}, "nope")
	if !errors.Is(err, ErrUnknownWatch) || !strings.Contains(err.Error(), "camp, camp-desk, isis") {
		t.Errorf("Replay(unknown watch) error = %v, want ErrUnknownWatch listing camp, camp-desk, isis", err)
	}
	runOnce(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Replay(ctx, time.Time{}, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Replay(cancelled) error = %v, want context.Canceled", err)
	}
}

// TestPrune: the daily prune removes texts after keep_text (the old name
// of retention.text), and alerts and seen keys after their retention as
// the config in force says (a reload applies); pruneDaily runs its first
// prune after PruneDelay and returns when its context ends.
func TestPrune(t *testing.T) {
	start := time.Now().UTC()
	clock := testclock.New(start)
	w := newReplayWorld(t, start)
	var logs testlog.Buffer
	a, err := New(w.config(t, ""), Options{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runOnce(t, a)
	texts := func() int {
		n := 0
		if err := a.Store().Articles(time.Time{}, func(news.Article) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	alerts := func() int {
		page, err := a.Store().Alerts(store.AlertQuery{Limit: store.MaxAlertLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Alerts)
	}
	// Four: the feed's item older than max_age is marked seen unfetched.
	if n := texts(); n != 4 {
		t.Fatalf("stored texts after the pass = %d, want 4", n)
	}
	if n := alerts(); n != 2 {
		t.Fatalf("stored alerts after the pass = %d, want 2", n)
	}
	// Within keep_text (48h): nothing goes.
	clock.Advance(47 * time.Hour)
	if rep, err := a.pruneOnce(); rep != (store.PruneReport{}) || err != nil {
		t.Errorf("pruneOnce() at 47h = %+v, %v; want nothing removed", rep, err)
	}
	// Texts go a whole UTC day at a time, once the day ended keep_text ago:
	// 73 h after start, the start's day ended at least 49 h ago.
	clock.Advance(26 * time.Hour)
	a.opts.PruneDelay = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.pruneDaily(ctx) }()
	waitFor(t, "the first daily prune", func() bool { return texts() == 0 })
	cancel()
	<-done
	if !strings.Contains(logs.String(), "store pruned") || !strings.Contains(logs.String(), "texts=4") {
		t.Errorf("log does not report the prune:\n%s", logs.String())
	}
	if n := alerts(); n != 2 {
		t.Errorf("stored alerts after the text prune = %d, want 2 (90 days by default)", n)
	}

	// A reload shortens the retention; the next prune applies it. Seen
	// weeks go only once the whole week is older than the retention.
	short := *a.Config()
	short.Retention = config.Retention{Seen: 72 * time.Hour, Alerts: 72 * time.Hour, Text: 48 * time.Hour}
	if err := a.Reload(&short); err != nil {
		t.Fatal(err)
	}
	clock.Advance(15 * 24 * time.Hour)
	rep, err := a.pruneOnce()
	if err != nil || rep.Alerts != 2 || rep.Seen == 0 {
		t.Errorf("pruneOnce() after the reload = %+v, %v; want 2 alerts and the seen keys removed", rep, err)
	}
	if n := alerts(); n != 0 {
		t.Errorf("stored alerts after the alert retention = %d, want 0", n)
	}
}

// TestExplainFile: Explain reads a page from a file without any store,
// and refuses an unknown watch before reading anything.
func TestExplainFile(t *testing.T) {
	w := newReplayWorld(t, time.Now())
	cfg := w.config(t, replayWatches)
	page := filepath.Join(t.TempDir(), "page.html")
	body := testsite.NewsPage(testsite.ExampleNews, "Raid on desert hideout", `<p>Security forces said they raided a Daesh hideout near the border overnight.</p>`+filler(4), "utf-8")
	if err := os.WriteFile(page, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	art, ex, err := Explain(context.Background(), cfg, Options{}, "isis", page)
	if err != nil {
		t.Fatalf("Explain(isis, file): %v", err)
	}
	if !strings.HasPrefix(art.URL, "file:///") || art.Source != "" || art.Title != "Raid on desert hideout" ||
		!ex.Fires || ex.Hit == nil || ex.Hit.Fired != "ISIS" {
		t.Errorf("Explain(isis, file) = %q %q %q, fires %v, hit %+v; want a file URL, no source, the title, and ISIS firing",
			art.URL, art.Source, art.Title, ex.Fires, ex.Hit)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "replay.db")); err == nil {
		t.Error("Explain created the store")
	}
	if _, _, err := Explain(context.Background(), cfg, Options{}, "nope", filepath.Join(t.TempDir(), "missing.html")); !errors.Is(err, ErrUnknownWatch) {
		t.Errorf("Explain(unknown watch) error = %v, want ErrUnknownWatch", err)
	}
	if _, _, err := Explain(context.Background(), cfg, Options{}, "isis", filepath.Join(t.TempDir(), "missing.html")); err == nil {
		t.Error("Explain(missing file) error = nil, want one")
	}
}
