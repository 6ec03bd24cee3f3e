package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/news"
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
	site *newsSite
	hook *webhookReceiver
	dir  string
}

func newReplayWorld(t *testing.T, now time.Time) *replayWorld {
	t.Helper()
	w := &replayWorld{site: newNewsSite(t), hook: newWebhookReceiver(t), dir: t.TempDir()}
	hour := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	w.site.addArticle("/wire/transfer.html", "Families leave al-Hol",
		`<p>Iraqi families left the al-Hol camp in north-east Syria on Tuesday, officials said.</p>`+filler(4))
	w.site.addArticle("/wire/raid.html", "Raid on desert hideout",
		`<p>Security forces said they raided a Daesh hideout near the border overnight.</p>`+filler(4))
	w.site.addArticle("/wire/old.html", "An old Daesh story",
		`<p>This story on Daesh was published long before it was crawled.</p>`+filler(4))
	w.site.addArticle("/desk/camp.html", "Inside the camp",
		`<p>Aid workers at the al Hol camp described long queues for water.</p>`+filler(4))
	w.site.addArticle("/desk/weather.html", "Storm warning",
		`<p>Forecasters warned of heavy rain along the coast this weekend.</p>`+filler(4))
	w.site.mu.Lock()
	w.site.feed = []siteItem{
		{"/wire/transfer.html", "Families leave al-Hol", hour(1)},
		{"/wire/raid.html", "Raid on desert hideout", hour(2)},
		{"/wire/old.html", "An old Daesh story", hour(24 * 10)},
	}
	w.site.listing = []string{"/desk/camp.html", "/desk/weather.html"}
	w.site.mu.Unlock()
	return w
}

// config writes and loads the replay config with extra watches.
func (w *replayWorld) config(t *testing.T, extra string) *config.Config {
	t.Helper()
	path := filepath.Join(w.dir, "newshound.yaml")
	text := fmt.Sprintf(replayConfig, w.site.srv.URL, w.hook.srv.URL, extra)
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
		path := strings.TrimPrefix(h.Article.URL, w.site.srv.URL)
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
	delivered := len(w.hook.allAttempts())
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
	if res.Articles != 5 {
		t.Errorf("Replay(all) looked at %d articles, want 5", res.Articles)
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

	if n := len(w.hook.allAttempts()); n != delivered {
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

// TestPruneTexts: texts older than keep_text go at the first prune; newer
// ones stay; pruneTexts returns when its context ends.
func TestPruneTexts(t *testing.T) {
	start := time.Now().UTC()
	clock := testclock.New(start)
	w := newReplayWorld(t, start)
	a, err := New(w.config(t, ""), Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runOnce(t, a)
	count := func() int {
		n := 0
		if err := a.Store().Articles(time.Time{}, func(news.Article) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 5 {
		t.Fatalf("stored texts after the pass = %d, want 5", n)
	}
	// Within keep_text (48h): nothing goes.
	clock.Advance(47 * time.Hour)
	if n, err := a.pruneTextsOnce(); n != 0 || err != nil {
		t.Errorf("pruneTextsOnce() at 47h = %d, %v; want 0", n, err)
	}
	clock.Advance(2 * time.Hour) // 49 h after start
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.pruneTexts(ctx) // prunes once, then sees the cancelled context
	if n := count(); n != 0 {
		t.Errorf("stored texts after pruneTexts at 49h = %d, want 0", n)
	}
}

// TestExplainFile: Explain reads a page from a file without any store,
// and refuses an unknown watch before reading anything.
func TestExplainFile(t *testing.T) {
	w := newReplayWorld(t, time.Now())
	cfg := w.config(t, replayWatches)
	page := filepath.Join(t.TempDir(), "page.html")
	body := articlePage("Raid on desert hideout", `<p>Security forces said they raided a Daesh hideout near the border overnight.</p>`+filler(4), "utf-8")
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
