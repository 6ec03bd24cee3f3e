package app

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/console"
	"github.com/newshound/newshound/store"
)

var healthT0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// healthRig drives trackHealth the way runPass does, one run at a time,
// without a network or a store.
type healthRig struct {
	app   *App
	c     *compiled
	src   config.Source
	state store.SourceState
	clock time.Time
	fail  string // the error of a failed run
}

func newHealthRig(threshold int, notify ...string) *healthRig {
	r := &healthRig{
		c:     &compiled{cfg: &config.Config{Health: config.Health{Threshold: threshold, Notify: notify}}},
		src:   config.Source{Name: "wire", Feed: "https://example.org/rss.xml"},
		clock: healthT0,
		fail:  "fetch feed: 500 Internal Server Error",
	}
	r.app = &App{log: slog.New(slog.DiscardHandler), now: func() time.Time { return r.clock }}
	return r
}

// run applies one run: 'i' lists 5 items, 'e' lists nothing, 'n' is a 304
// Not Modified, 'f' fails.
// It mirrors the state updates runPass makes before calling trackHealth.
func (r *healthRig) run(kind byte) []store.QueuedAlert {
	r.clock = r.clock.Add(time.Hour)
	prev, next := r.state, r.state
	next.History = append([]int(nil), prev.History...)
	var res crawler.Result
	var err error
	switch kind {
	case 'i':
		res = crawler.Result{Items: 5, Articles: []news.Article{{ID: "a"}}}
	case 'e':
	case 'n':
		res = crawler.Result{NotModified: true}
	case 'f':
		err = errors.New(r.fail)
	}
	next.LastRun = r.clock
	if !res.NotModified {
		next.Items = res.Items
	}
	if err != nil {
		next.ConsecutiveFailures++
		next.LastError = err.Error()
	} else {
		next.LastSuccess, next.ConsecutiveFailures, next.LastError = r.clock, 0, ""
	}
	notices := r.app.trackHealth(r.c, r.src, prev, &next, res, err)
	r.state = next
	return notices
}

// TestHealthTransitions runs sequences of runs and checks after each run
// which notice went out: U unhealthy, R recovered, . none.
func TestHealthTransitions(t *testing.T) {
	for _, tc := range []struct {
		runs      string
		threshold int
		want      string
	}{
		{"fff", 3, "..U"},
		{"ffffff", 3, "..U..."},
		{"fffi", 3, "..UR"},
		{"ffiff", 3, "....."},
		{"eee", 3, "..U"},
		{"eefe", 3, "...U"}, // a failure does not reset the empty count
		{"eeie", 3, "...."}, // a run with items does
		{"fffe", 3, "..UR"}, // fetching works again: recovered
		{"eeef", 3, "..U."}, // still three empty runs in a row
		{"fffifff", 3, "..UR..U"},
		{"fifi", 1, "URUR"},
		{"ffff", 0, "..U."}, // 0 means the default, 3
		{"iiiiiiiiiiii", 3, "............"},
		{"innnnn", 3, "......"}, // a 304 is not an empty run
		{"eennn", 3, "....."},   // nor does it reset the empty count
		{"eenne", 3, "....U"},
	} {
		r := newHealthRig(tc.threshold, "hook")
		var got strings.Builder
		ids := map[string]bool{}
		for i := range len(tc.runs) {
			notices := r.run(tc.runs[i])
			switch {
			case len(notices) == 0:
				got.WriteByte('.')
			case len(notices) > 1:
				got.WriteByte('!')
			case strings.Contains(notices[0].Alert.Title, "unhealthy"):
				got.WriteByte('U')
			default:
				got.WriteByte('R')
			}
			for _, n := range notices {
				if ids[n.Alert.ID] {
					t.Errorf("runs %q threshold %d: notice ID %s repeated", tc.runs, tc.threshold, n.Alert.ID)
				}
				ids[n.Alert.ID] = true
			}
			if unhealthy := r.state.Unhealthy; unhealthy != r.state.Noticed {
				t.Errorf("runs %q: Unhealthy = %v but Noticed = %v", tc.runs[:i+1], unhealthy, r.state.Noticed)
			}
		}
		if got.String() != tc.want {
			t.Errorf("notices(%q, threshold %d) = %q, want %q", tc.runs, tc.threshold, got.String(), tc.want)
		}
	}
}

func TestHealthCounters(t *testing.T) {
	r := newHealthRig(3)
	for _, k := range []byte("iinefeffff") {
		r.run(k)
	}
	s := r.state
	want := store.SourceState{
		LastRun:             healthT0.Add(10 * time.Hour),
		LastSuccess:         healthT0.Add(6 * time.Hour),
		Items:               0,
		ConsecutiveFailures: 4,
		LastError:           "fetch feed: 500 Internal Server Error",
		ConsecutiveEmpty:    2,
		History:             []int{5, 5, 5, 0, -1, 0, -1, -1, -1, -1},
		Unhealthy:           true,
		UnhealthySince:      healthT0.Add(9 * time.Hour),
		Noticed:             true,
		Episodes:            1,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("state after iinefeffff mismatch (-want +got):\n%s", diff)
	}
	r.run('i')
	if s := r.state; s.Unhealthy || s.Noticed || !s.UnhealthySince.IsZero() || s.ConsecutiveEmpty != 0 || s.New != 1 || s.Episodes != 1 {
		t.Errorf("state after recovery = %+v, want healthy, not noticed, New 1, Episodes 1", s)
	}
}

func TestHealthNotices(t *testing.T) {
	r := newHealthRig(3, "hook", "console")
	r.run('f')
	r.run('f')
	got := r.run('f')
	want := []store.QueuedAlert{{
		Alert: news.Alert{
			ID:     news.AlertID(HealthWatch, "wire:unhealthy:1"),
			Watch:  HealthWatch,
			Source: "wire",
			URL:    "https://example.org/rss.xml",
			Title:  `Source "wire" is unhealthy: 3 failed runs in a row (last error: fetch feed: 500 Internal Server Error)`,
			Found:  healthT0.Add(3 * time.Hour),
		},
		Notifiers: []string{"hook", "console"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unhealthy notice mismatch (-want +got):\n%s", diff)
	}
	got = r.run('e')
	want[0].Alert.ID = news.AlertID(HealthWatch, "wire:recovered:1")
	want[0].Alert.Title = `Source "wire" recovered after 3 failed runs`
	want[0].Alert.Found = healthT0.Add(4 * time.Hour)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recovered notice mismatch (-want +got):\n%s", diff)
	}
}

func TestHealthTitles(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name string
		src  config.Source
		runs string
		err  string
		want string
	}{
		{"empty feed", config.Source{Name: "wire", Feed: "u"}, "eee", "",
			`Source "wire" is unhealthy: 3 empty runs in a row (the feed had no items)`},
		{"empty page", config.Source{Name: "desk", Page: "u", Links: "a"}, "eee", "",
			`Source "desk" is unhealthy: 3 empty runs in a row (the links selector matched nothing)`},
		{"empty sitemap", config.Source{Name: "map", Sitemap: "u"}, "eee", "",
			`Source "map" is unhealthy: 3 empty runs in a row (the sitemap listed no entries)`},
		{"multi-line error", config.Source{Name: "wire", Feed: "u"}, "fff", "parse feed:\n\tline 3:  bad",
			`Source "wire" is unhealthy: 3 failed runs in a row (last error: parse feed: line 3: bad)`},
		{"long error", config.Source{Name: "wire", Feed: "u"}, "fff", long,
			`Source "wire" is unhealthy: 3 failed runs in a row (last error: ` + strings.Repeat("x", maxErrorRunes-1) + `…)`},
	} {
		r := newHealthRig(3, "hook")
		r.src, r.fail = tc.src, tc.err
		var notices []store.QueuedAlert
		for i := range len(tc.runs) {
			notices = r.run(tc.runs[i])
		}
		if len(notices) != 1 || notices[0].Alert.Title != tc.want {
			t.Errorf("%s: notices = %+v, want one titled %q", tc.name, notices, tc.want)
		}
	}
}

// TestHealthWithoutNotifiers: with no health.notify the transitions are
// tracked and logged, and nothing is queued.
func TestHealthWithoutNotifiers(t *testing.T) {
	r := newHealthRig(3)
	var logs testlog.Buffer
	r.app.log = slog.New(slog.NewTextHandler(&logs, nil))
	for _, k := range []byte("fffi") {
		if n := r.run(k); len(n) != 0 {
			t.Errorf("run %c queued %d notices, want none", k, len(n))
		}
		if k == 'f' && r.state.ConsecutiveFailures == 3 && !r.state.Unhealthy {
			t.Errorf("after three failures Unhealthy = false, want true")
		}
	}
	for _, msg := range []string{`msg="source unhealthy" source=wire failures=3`, `msg="source recovered" source=wire`} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %q:\n%s", msg, logs.String())
		}
	}
}

// TestHealthNoticeConsoleLine: a notice has no matches, snippet or fired
// branch; the console line is the time, the watch, the source, the title
// and the source's URL, and nothing dangling.
func TestHealthNoticeConsoleLine(t *testing.T) {
	r := newHealthRig(2, "console")
	r.run('f')
	notices := r.run('f')
	if len(notices) != 1 {
		t.Fatalf("notices after two failures = %d, want 1", len(notices))
	}
	got := console.Line(notices[0].Alert)
	want := `2026-11-25T12:00:00Z [source-health] wire: Source "wire" is unhealthy: 2 failed runs in a row (last error: fetch feed: 500 Internal Server Error) — https://example.org/rss.xml` + "\n"
	if got != want {
		t.Errorf("console.Line(notice) = %q, want %q", got, want)
	}
}
