package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

const alertsTestConfig = `data: test.db
%s
sources:
  - name: wire
    feed: https://example.org/rss.xml
  - name: desk
    feed: https://example.org/desk.xml
watches:
  - name: detainees
    entities: [CENTCOM]
    notify: [hook, team]
  - name: costs
    keywords: [price]
    notify: [hook]
notifiers:
  - {name: hook, webhook: {url: "https://hooks.example.org/x"}}
  - {name: team, webhook: {url: "https://hooks.example.org/y"}}
`

// alertsBase is the found time of the oldest test alert; the others
// follow an hour apart.
var alertsBase = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// alertsWorld writes a config (with extra top-level lines) and a store
// holding five alerts, written through the store's API as the daemon
// writes them: delivered, queued after failures, dead.
func alertsWorld(t *testing.T, extra string) (path, dbPath string) {
	t.Helper()
	path = writeFile(t, fmt.Sprintf(alertsTestConfig, extra))
	dbPath = filepath.Join(filepath.Dir(path), "test.db")
	clock := func() time.Time { return alertsBase.Add(6 * time.Hour) }
	st, err := store.Open(dbPath, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alert := func(n int, watch, source, title string) store.QueuedAlert {
		notifiers := []string{"hook", "team"}
		if watch == "costs" {
			notifiers = []string{"hook"}
		}
		return store.QueuedAlert{Alert: news.Alert{ID: fmt.Sprintf("nh_%032d", n), Watch: watch, Source: source,
			URL: fmt.Sprintf("https://example.org/%d.html", n), Title: title, Found: alertsBase.Add(time.Duration(n) * time.Hour),
			Fired: "CENTCOM", Snippet: "… " + title + " …"}, Notifiers: notifiers}
	}
	if _, err := st.Queue([]store.QueuedAlert{
		alert(1, "detainees", "wire", "CENTCOM moves detainees"),
		alert(2, "costs", "desk", "The price of bread"),
		alert(3, "detainees", "desk", "CENTCOM statement\non transfers"),
		alert(4, "detainees", "wire", "A very long title about CENTCOM and the camps in the north-east of Syria"),
		alert(5, "costs", "wire", "Price caps"),
	}); err != nil {
		t.Fatal(err)
	}
	id := func(n int, notifier string) string { return fmt.Sprintf("nh_%032d/%s", n, notifier) }
	at := alertsBase.Add(10 * time.Hour)
	for _, step := range []error{
		st.Ack(id(1, "hook"), at), st.Ack(id(1, "team"), at),
		st.Ack(id(2, "hook"), at),
		st.Ack(id(3, "hook"), at), st.Dead(id(3, "team"), "webhook: permanent failure: 400 Bad Request", at),
		st.Retry(id(4, "team"), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), "webhook: 503 Service Unavailable"),
		st.Retry(id(4, "team"), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), "webhook: 503 Service Unavailable"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	return path, dbPath
}

// regexpNext matches the time to a next attempt in the table.
var regexpNext = regexp.MustCompile(`next in [0-9hms]+`)

func TestAlertsTable(t *testing.T) {
	path, _ := alertsWorld(t, "")
	code, out, errOut := runCmd([]string{"alerts", "--config", path}, noEnv)
	if code != exitOK {
		t.Fatalf("alerts = %d, stderr %q", code, errOut)
	}
	// The queued entry's next attempt is in 2099: its "next in …" depends
	// on today's date, so the golden file has it replaced.
	out = regexpNext.ReplaceAllString(out, "next in <later>")
	golden.Check(t, filepath.Join("testdata", "alerts", "table.golden"), []byte(out))
}

func TestAlertsJSONAndFilters(t *testing.T) {
	path, _ := alertsWorld(t, "")
	tests := []struct {
		args []string
		want []string // alert ids (their number), newest first
		more bool
	}{
		{nil, []string{"5", "4", "3", "2", "1"}, false},
		{[]string{"--watch", "costs"}, []string{"5", "2"}, false},
		{[]string{"--source", "desk"}, []string{"3", "2"}, false},
		{[]string{"--watch", "detainees", "--source", "wire"}, []string{"4", "1"}, false},
		{[]string{"--limit", "2"}, []string{"5", "4"}, true},
		{[]string{"--since", alertsBase.Add(3 * time.Hour).Format(time.RFC3339)}, []string{"5", "4", "3"}, false},
		{[]string{"--watch", "gone"}, nil, false},
	}
	for _, tt := range tests {
		args := append([]string{"alerts", "--config", path, "--json"}, tt.args...)
		code, out, errOut := runCmd(args, noEnv)
		if code != exitOK {
			t.Errorf("run(%q) = %d, stderr %q", args, code, errOut)
			continue
		}
		var doc struct {
			Alerts []struct {
				ID         string
				Found      time.Time
				Deliveries []struct{ Notifier, State string }
			}
			More bool
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("run(%q) is not JSON: %v\n%s", args, err, out)
		}
		var got []string
		for _, a := range doc.Alerts {
			got = append(got, strings.TrimLeft(strings.TrimPrefix(a.ID, "nh_"), "0"))
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") || doc.More != tt.more {
			t.Errorf("run(%q): alerts %v more %v, want %v more %v", args, got, doc.More, tt.want, tt.more)
		}
	}
	_, out, _ := runCmd([]string{"alerts", "--config", path, "--json", "--watch", "detainees", "--limit", "1"}, noEnv)
	golden.Check(t, filepath.Join("testdata", "alerts", "one.golden.json"), []byte(out))
}

// TestReadAlertsPages: readAlerts follows the cursor across pages and
// stops at the limit, also when every page is small.
func TestReadAlertsPages(t *testing.T) {
	_, dbPath := alertsWorld(t, "")
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls := 0
	twoAtATime := func(q store.AlertQuery) (store.AlertPage, error) {
		calls++
		q.Limit = min(q.Limit, 2)
		return st.Alerts(q)
	}
	for _, tt := range []struct {
		limit, want, calls int
		more               bool
	}{{5, 5, 3, false}, {4, 4, 2, true}, {3, 3, 2, true}, {50, 5, 3, false}} {
		calls = 0
		l, err := readAlerts(twoAtATime, store.AlertQuery{}, tt.limit)
		if err != nil || len(l.Alerts) != tt.want || l.More != tt.more || calls != tt.calls {
			t.Errorf("readAlerts(limit %d) = %d alerts, more %v, %d calls, %v; want %d, %v, %d calls",
				tt.limit, len(l.Alerts), l.More, calls, err, tt.want, tt.more, tt.calls)
		}
		seen := map[string]bool{}
		for _, a := range l.Alerts {
			if seen[a.Alert.ID] {
				t.Errorf("readAlerts(limit %d) lists %s twice", tt.limit, a.Alert.ID)
			}
			seen[a.Alert.ID] = true
		}
	}
}

func TestAlertsCommandLine(t *testing.T) {
	path, _ := alertsWorld(t, "")
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"--limit", "0"}, exitUsage, "--limit must be at least 1"},
		{[]string{"--since", "yesterday"}, exitUsage, `--since: "yesterday" is not a duration`},
		{[]string{"extra"}, exitUsage, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		args := append([]string{"alerts", "--config", path}, tt.args...)
		code, _, errOut := runCmd(args, noEnv)
		if code != tt.code || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", args, code, errOut, tt.code, tt.wantErr)
		}
	}
	empty := writeFile(t, fmt.Sprintf(alertsTestConfig, ""))
	code, out, errOut := runCmd([]string{"alerts", "--config", empty}, noEnv)
	if code != exitOK || out != "no alerts\n" {
		t.Errorf("alerts without a database = %d, stdout %q, stderr %q; want 0 and \"no alerts\"", code, out, errOut)
	}
}

// storeBackend serves a real store through the real web server, as the
// daemon does; the health and outbox parts are not what is tested here.
type storeBackend struct{ st *store.Store }

func (b storeBackend) Alerts(q store.AlertQuery) (store.AlertPage, error) { return b.st.Alerts(q) }
func (b storeBackend) Sources() ([]web.SourceStatus, error)               { return nil, nil }
func (b storeBackend) Outbox() (web.OutboxStatus, error)                  { return web.OutboxStatus{}, nil }
func (b storeBackend) Ready() error                                       { return nil }

// daemonServer serves held (the store a daemon holds) over the web
// package's server with auth.
func daemonServer(t *testing.T, held *store.Store, auth web.Auth) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(web.New(web.Options{Backend: storeBackend{held}, Auth: auth}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestAlertsWhileDaemonRuns: with the database held, alerts asks the
// daemon's HTTP server when the config has listen, with its credentials,
// and says what to do when it has none.
func TestAlertsWhileDaemonRuns(t *testing.T) {
	const token = "0123456789abcdef-token"
	path, dbPath := alertsWorld(t, "")
	held, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	code, out, errOut := runCmd([]string{"alerts", "--config", path}, noEnv)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "the daemon holds the database") || !strings.Contains(errOut, "set listen") {
		t.Errorf("alerts on a held store without listen = %d, stdout %q, stderr %q; want 1, the daemon message and the listen hint", code, out, errOut)
	}

	srv := daemonServer(t, held, web.Auth{Bearer: token})
	listen := strings.TrimPrefix(srv.URL, "http://")
	env := func(name string) (string, bool) {
		if name == "NH_TOKEN" {
			return token, true
		}
		return "", false
	}
	withAuth := writeAlertsConfig(t, dbPath, fmt.Sprintf("listen: %s\nlisten_auth: {bearer: '${NH_TOKEN}'}", listen))
	code, out, errOut = runCmd([]string{"alerts", "--config", withAuth, "--watch", "detainees", "--limit", "2"}, env)
	if code != exitOK || !strings.Contains(out, "A very long title") || !strings.Contains(out, "CENTCOM statement on transfers") ||
		!strings.Contains(out, "team DEAD (webhook: permanent failure: 400 Bad Request)") || !strings.Contains(out, "more with --limit") {
		t.Errorf("alerts through the daemon = %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, direct, _ := runCmd([]string{"alerts", "--config", withAuth, "--json"}, env)
	held.Close()
	_, offline, _ := runCmd([]string{"alerts", "--config", withAuth, "--json"}, env)
	if direct != offline || !strings.Contains(offline, `"state": "queued"`) {
		t.Errorf("alerts --json through the daemon and from the file differ:\n%s\n---\n%s", direct, offline)
	}
	held, err = store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	wrong := func(name string) (string, bool) { return "another-token-of-length", name == "NH_TOKEN" }
	code, _, errOut = runCmd([]string{"alerts", "--config", withAuth}, wrong)
	if code != exitFailure || !strings.Contains(errOut, "refused the credentials (401)") || strings.Contains(errOut, "another-token") {
		t.Errorf("alerts with a wrong token = %d, stderr %q; want 1 and the 401 message without the token", code, errOut)
	}
}

// writeAlertsConfig writes the test config with extra lines next to an
// existing database.
func writeAlertsConfig(t *testing.T, dbPath, extra string) string {
	t.Helper()
	text := strings.Replace(fmt.Sprintf(alertsTestConfig, extra), "data: test.db", "data: "+dbPath, 1)
	return writeFile(t, text)
}
