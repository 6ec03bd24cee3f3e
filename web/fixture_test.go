package web

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// sourceConfig is what the daemon's configuration and scheduler know
// about a source; the state comes from the store.
type sourceConfig struct {
	Name, Kind, URL string
	Next            time.Time
}

// storeBackend is the test's adapter from a real store to Backend, the
// same work the daemon's adapter does over its store and scheduler.
type storeBackend struct {
	st        *store.Store
	sources   []sourceConfig
	notifiers []string
	ready     error
}

func (b *storeBackend) Alerts(q store.AlertQuery) (store.AlertPage, error) { return b.st.Alerts(q) }

func (b *storeBackend) Sources() ([]SourceStatus, error) {
	var out []SourceStatus
	for _, src := range b.sources {
		state, _, err := b.st.SourceState(src.Name)
		if err != nil {
			return nil, err
		}
		fetch, _, err := b.st.FetchState(src.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, SourceStatus{
			Name: src.Name, Kind: src.Kind, URL: src.URL,
			LastRun: state.LastRun, NextRun: src.Next, LastSuccess: state.LastSuccess,
			ConsecutiveFailures: state.ConsecutiveFailures, ConsecutiveEmpty: state.ConsecutiveEmpty,
			Items: state.Items, New: state.New, Truncated: state.Truncated, History: state.History,
			Unhealthy: state.Unhealthy, UnhealthySince: state.UnhealthySince, LastError: state.LastError,
			FailingArticles: FailingArticles(fetch.Failing),
		})
	}
	return out, nil
}

func (b *storeBackend) Outbox() (OutboxStatus, error) {
	queued, err := b.st.Queued()
	if err != nil {
		return OutboxStatus{}, err
	}
	byNotifier := map[string]*QueueStatus{}
	var out OutboxStatus
	for _, n := range b.notifiers {
		out.Queues = append(out.Queues, QueueStatus{Notifier: n})
	}
	for i := range out.Queues {
		byNotifier[out.Queues[i].Notifier] = &out.Queues[i]
	}
	for _, e := range queued {
		q := byNotifier[e.Notifier]
		if q == nil {
			continue
		}
		q.Queued++
		due := cmp.Or(e.FirstDue, e.Created)
		if q.Oldest.IsZero() || due.Before(q.Oldest) {
			q.Oldest = due
		}
	}
	if out.DeadLetters, err = b.st.DeadLetters(); err != nil {
		return OutboxStatus{}, err
	}
	if out.Disabled, err = b.st.DisabledNotifiers(); err != nil {
		return OutboxStatus{}, err
	}
	return out, nil
}

func (b *storeBackend) Ready() error { return b.ready }

// brokenBackend fails every read, with a message that must not reach a
// client.
type brokenBackend struct{}

var errSecretPath = errors.New("open /var/lib/secret-path/newshound.db: input/output error")

func (brokenBackend) Alerts(store.AlertQuery) (store.AlertPage, error) {
	return store.AlertPage{}, errSecretPath
}
func (brokenBackend) Sources() ([]SourceStatus, error) { return nil, errSecretPath }
func (brokenBackend) Outbox() (OutboxStatus, error)    { return OutboxStatus{}, errSecretPath }
func (brokenBackend) Ready() error                     { return errors.New("store closed") }

// Hostile data that every page must carry inert.
const (
	hostileTitle   = `<script>alert("title")</script> Acme & "Globex" <b>bold</b>`
	hostileSnippet = `<img src=x onerror=alert(1)> Acme said "<script>x</script>"`
	hostileError   = `fetch https://hostile.example/<script>alert(2)</script>: http status 503`
	// The failing article pages of hostile-site: a javascript: URL and
	// markup in an error among ordinary ones.
	hostileArticleURL   = `javascript:alert(5)//<script>alert(6)</script>`
	hostileArticleError = `extract: <script>alert(7)</script> no text in <img src=x onerror=alert(8)>`
	// fixtureFailingNote stands in for the daemon's FailingNote.
	fixtureFailingNote = "retried every pass; given up after 5 failed passes over an hour, a day if the site seems down"
)

// fixture holds a real store in a temporary directory, filled with
// sources, alerts in every delivery state, a dead letter and a disabled
// notifier.
type fixture struct {
	store   *store.Store
	clock   *testclock.Clock
	backend *storeBackend
	alerts  []news.Alert // newest first
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := testclock.New(t0.Add(-time.Hour))
	st, err := store.Open(filepath.Join(t.TempDir(), "newshound.db"), store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{store: st, clock: clock}
	f.backend = &storeBackend{
		st: st,
		sources: []sourceConfig{
			{Name: "wire", Kind: "feed", URL: "https://wire.example/rss.xml", Next: t0.Add(10 * time.Minute)},
			{Name: "hostile-site", Kind: "page", URL: "javascript:alert(3)", Next: t0.Add(25 * time.Minute)},
			{Name: "fresh", Kind: "sitemap", URL: "https://reader:hunter2@fresh.example/sitemap.xml"},
		},
		notifiers: []string{"mail", "slack", "webhook"},
	}

	acme := news.Alert{
		ID: news.AlertID("acme", "https://wire.example/acme-globex"), Watch: "acme", Source: "wire",
		URL: "https://wire.example/acme-globex", Title: "Acme agrees to buy Globex",
		Published: t0.Add(-40 * time.Minute), Found: t0.Add(-10 * time.Minute),
		Matches: []news.Match{{Term: "Acme", Seen: []string{"Acme", "ACME"}, Count: 3}},
		Fired:   "Acme", Snippet: "Shares of Acme rose after ACME and Globex agreed.",
		Highlights: []news.Span{{Start: 10, End: 14}, {Start: 26, End: 30}},
	}
	hostile := news.Alert{
		ID: news.AlertID("acme", "javascript:alert(1)"), Watch: "acme", Source: "hostile-site",
		URL: "javascript:alert(1)", Title: hostileTitle, Found: t0.Add(-20 * time.Minute),
		Matches: []news.Match{{Term: "Acme", Seen: []string{"Acme"}, Count: 1}},
		Fired:   "Acme", Snippet: hostileSnippet,
		Highlights: []news.Span{{Start: 29, End: 33}, {Start: 500, End: 600}}, // the second is out of range
	}
	sanctions := news.Alert{
		ID: news.AlertID("sanctions", "https://wire.example/list"), Watch: "sanctions", Source: "wire",
		URL: "https://wire.example/list", Title: "New sanctions list published",
		Found: t0.Add(-30 * time.Minute), Fired: `"sanctions list"`,
		Snippet: "The new sanctions list names five firms.", Highlights: []news.Span{{Start: 8, End: 22}},
	}
	dataURL := news.Alert{
		ID: news.AlertID("acme", "data:text/html,hi"), Watch: "acme", Source: "hostile-site",
		URL: "data:text/html,<script>alert(4)</script>", Title: "", Found: t0.Add(-50 * time.Minute),
	}
	f.alerts = []news.Alert{acme, hostile, sanctions, dataURL}

	f.record(t, store.Pass{Source: "wire", State: store.SourceState{
		LastRun: t0.Add(-5 * time.Minute), LastSuccess: t0.Add(-5 * time.Minute), Items: 12, New: 2,
		History: []int{12, 10, 11, 12},
	}, Alerts: []store.QueuedAlert{
		{Alert: acme, Notifiers: []string{"slack", "mail"}},
		{Alert: sanctions, Notifiers: []string{"webhook"}},
	}})
	f.record(t, store.Pass{Source: "hostile-site", State: store.SourceState{
		LastRun: t0.Add(-15 * time.Minute), LastSuccess: t0.Add(-6 * time.Hour), ConsecutiveFailures: 4,
		LastError: hostileError, History: []int{3, -1, -1, -1, -1}, Unhealthy: true,
		UnhealthySince: t0.Add(-2 * time.Hour), Truncated: 230000,
	}, Alerts: []store.QueuedAlert{
		{Alert: hostile, Notifiers: []string{"slack"}},
		{Alert: dataURL},
	}})

	// slack delivered acme; mail failed once and waits; slack gave up on
	// the hostile alert; webhook is disabled with sanctions queued.
	must(t, st.Ack(acme.ID+"/slack", t0.Add(-9*time.Minute)))
	must(t, st.Retry(acme.ID+"/mail", t0.Add(5*time.Minute), "smtp 451 <greylisted>"))
	must(t, st.Dead(hostile.ID+"/slack", `slack answered 404 "<no_service>"`, t0.Add(-8*time.Minute)))
	must(t, st.Disable(store.DisabledNotifier{Name: "webhook", Reason: "410 Gone <b>bye</b>", At: t0.Add(-3 * time.Hour)}))
	// hostile-site has 7 failing article pages, more than the page lists:
	// the hostile one is the oldest, so it is shown; wire has none.
	failing := store.ArticleFailures{
		hostileArticleURL: {Attempts: 4, First: t0.Add(-50 * time.Minute), LastError: hostileArticleError},
	}
	for i := range 6 {
		failing[fmt.Sprintf("https://hostile.example/story-%d", i)] = store.ArticleFailure{
			Attempts: 3 - i/2, First: t0.Add(time.Duration(i-45) * time.Minute), LastError: "fetch: http status 404",
		}
	}
	must(t, st.PutFetchState("hostile-site", store.FetchState{URL: "javascript:alert(3)", Failing: failing}))
	clock.Advance(time.Hour) // now = t0
	return f
}

func (f *fixture) record(t *testing.T, p store.Pass) {
	t.Helper()
	if _, err := f.store.Record(p); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// server builds a server on the fixture with the test clock and a
// metrics stand-in.
func (f *fixture) server(t *testing.T, auth Auth) *Server {
	t.Helper()
	return New(Options{
		Backend:     f.backend,
		Metrics:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "# metrics\n") }),
		Auth:        auth,
		Now:         f.clock.Now,
		FailingNote: fixtureFailingNote,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// get serves one request through h and returns the response. The Host
// is localhost, as a local client sends it: without auth the server
// refuses any other name (RELIABILITY.md item 37); a "Host" pair in
// header replaces it.
func get(t *testing.T, h http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = "localhost"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// alertIDs returns the IDs of the fixture's alerts matching keep, newest
// first.
func (f *fixture) alertIDs(keep func(news.Alert) bool) []string {
	var ids []string
	for _, a := range f.alerts {
		if keep(a) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
