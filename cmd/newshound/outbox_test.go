package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

const outboxTestConfig = `data: test.db
sources:
  - name: wire
    feed: https://example.org/rss.xml
watches:
  - name: detainees
    entities: [CENTCOM]
    notify: [hook, team]
notifiers:
  - {name: hook, webhook: {url: "https://hooks.example.org/x"}}
  - {name: team, webhook: {url: "https://hooks.example.org/y"}}
`

// outboxWorld is a config file and its store holding two queued entries,
// one dead letter and one disabled notifier, written through the store's
// own API as the daemon writes them.
func outboxWorld(t *testing.T) (path, dbPath string, deadID, queuedID string) {
	t.Helper()
	path = writeFile(t, outboxTestConfig)
	dbPath = filepath.Join(filepath.Dir(path), "test.db")
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alert := func(n int, title string) news.Alert {
		return news.Alert{ID: fmt.Sprintf("nh_%032d", n), Watch: "detainees", Source: "wire",
			URL: fmt.Sprintf("https://example.org/%d.html", n), Title: title, Found: time.Now()}
	}
	if _, err := st.Queue([]store.QueuedAlert{
		{Alert: alert(1, "CENTCOM moves detainees"), Notifiers: []string{"hook"}},
		{Alert: alert(2, "CENTCOM statement"), Notifiers: []string{"team"}},
	}); err != nil {
		t.Fatal(err)
	}
	deadID, queuedID = fmt.Sprintf("nh_%032d/hook", 1), fmt.Sprintf("nh_%032d/team", 2)
	if err := st.Dead(deadID, "webhook: permanent failure: 400 Bad Request", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.Retry(queuedID, time.Now().Add(time.Minute), "webhook: 503 Service Unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := st.Disable(store.DisabledNotifier{Name: "team", Reason: "410 Gone", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return path, dbPath, deadID, queuedID
}

type outboxDoc struct {
	Queued []struct {
		ID, Notifier, Watch, Title string
		Attempts                   int
		LastError                  string `json:"last_error"`
	}
	Dead []struct {
		ID, Notifier, Reason string
		Attempts             int
	}
	Disabled []struct{ Name, Reason string }
}

func readOutboxJSON(t *testing.T, path string) outboxDoc {
	t.Helper()
	code, out, errOut := runCmd([]string{"outbox", "--config", path, "--json"}, noEnv)
	if code != exitOK {
		t.Fatalf("outbox --json = %d, stderr %q", code, errOut)
	}
	var doc outboxDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("outbox --json is not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestOutboxCommands(t *testing.T) {
	path, _, deadID, queuedID := outboxWorld(t)

	code, out, errOut := runCmd([]string{"outbox", "--config", path}, noEnv)
	if code != exitOK {
		t.Fatalf("outbox = %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"QUEUED (1)", queuedID, "CENTCOM statement", "webhook: 503 Service Unavailable",
		"DEAD LETTERS (1)", deadID, "webhook: permanent failure: 400 Bad Request", "DISABLED NOTIFIERS (1)", "410 Gone"} {
		if !strings.Contains(out, want) {
			t.Errorf("outbox output lacks %q:\n%s", want, out)
		}
	}

	doc := readOutboxJSON(t, path)
	if len(doc.Queued) != 1 || doc.Queued[0].ID != queuedID || doc.Queued[0].Attempts != 1 || doc.Queued[0].LastError != "webhook: 503 Service Unavailable" ||
		len(doc.Dead) != 1 || doc.Dead[0].ID != deadID || doc.Dead[0].Attempts != 1 ||
		len(doc.Disabled) != 1 || doc.Disabled[0].Name != "team" || doc.Disabled[0].Reason != "410 Gone" {
		t.Errorf("outbox --json = %+v; want 1 queued %s, 1 dead %s, team disabled", doc, queuedID, deadID)
	}

	// An unknown id requeues nothing, not even the good one next to it.
	code, out, errOut = runCmd([]string{"outbox", "retry", "--config", path, deadID, "nh_nope/hook"}, noEnv)
	if code != exitFailure || out != "" || !strings.Contains(errOut, `no dead letter "nh_nope/hook"`) {
		t.Errorf("outbox retry with an unknown id = %d, stdout %q, stderr %q; want 1 naming it", code, out, errOut)
	}
	if doc := readOutboxJSON(t, path); len(doc.Dead) != 1 {
		t.Errorf("after a failed retry: %d dead letters, want 1 (nothing requeued)", len(doc.Dead))
	}
	code, out, errOut = runCmd([]string{"outbox", "retry", "--config", path, deadID}, noEnv)
	if code != exitOK || out != "requeued "+deadID+"\n" {
		t.Errorf("outbox retry = %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, "requeued "+deadID)
	}
	doc = readOutboxJSON(t, path)
	if len(doc.Dead) != 0 || len(doc.Queued) != 2 {
		t.Errorf("after retry: %d queued, %d dead; want 2, 0", len(doc.Queued), len(doc.Dead))
	}

	code, out, errOut = runCmd([]string{"outbox", "enable", "--config", path, "team"}, noEnv)
	if code != exitOK || out != "enabled notifier team: 1 queued entry is now due\n" {
		t.Errorf("outbox enable = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runCmd([]string{"outbox", "enable", "--config", path, "team"}, noEnv)
	if code != exitOK || out != "notifier team is not disabled; nothing to do\n" {
		t.Errorf("outbox enable again = %d, stdout %q", code, out)
	}
	if doc := readOutboxJSON(t, path); len(doc.Disabled) != 0 {
		t.Errorf("after enable: disabled = %+v, want none", doc.Disabled)
	}
}

func TestOutboxRetryAll(t *testing.T) {
	path, _, _, _ := outboxWorld(t)
	code, out, errOut := runCmd([]string{"outbox", "retry", "--config", path, "--all-dead"}, noEnv)
	if code != exitOK || out != "requeued 1 dead letter(s)\n" {
		t.Errorf("outbox retry --all-dead = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if doc := readOutboxJSON(t, path); len(doc.Dead) != 0 || len(doc.Queued) != 2 {
		t.Errorf("after retry --all-dead: %d queued, %d dead; want 2, 0", len(doc.Queued), len(doc.Dead))
	}
}

func TestOutboxErrors(t *testing.T) {
	path, dbPath, deadID, _ := outboxWorld(t)
	fresh := writeFile(t, outboxTestConfig)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"retry without ids", []string{"outbox", "retry", "--config", path}, exitUsage, "", "give dead letter IDs"},
		{"retry ids and all", []string{"outbox", "retry", "--config", path, "--all-dead", deadID}, exitUsage, "", "not both"},
		{"enable without name", []string{"outbox", "enable", "--config", path}, exitUsage, "", "exactly one notifier name"},
		{"enable unknown", []string{"outbox", "enable", "--config", path, "pager"}, exitFailure, "",
			`no notifier named "pager" in ` + path + "; the notifiers are: hook, team"},
		{"list extra argument", []string{"outbox", "--config", path, "flush"}, exitUsage, "", `unexpected argument "flush"`},
		{"no database: empty list", []string{"outbox", "--config", fresh}, exitOK, "QUEUED (0)", ""},
		{"no database: retry", []string{"outbox", "retry", "--config", fresh, "--all-dead"}, exitFailure, "", "no database at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(tt.args, noEnv)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, %q, %q", tt.args, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(fresh), "test.db")); err == nil {
		t.Error("outbox created a database where there was none")
	}

	// The daemon holds the database: every outbox command says so.
	held, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, args := range [][]string{
		{"outbox", "--config", path},
		{"outbox", "retry", "--config", path, deadID},
		{"outbox", "enable", "--config", path, "team"},
	} {
		code, out, errOut := runCmd(args, noEnv)
		if code != exitFailure || out != "" || !strings.Contains(errOut, "the daemon holds the database") || !strings.Contains(errOut, "Stop the daemon") {
			t.Errorf("run(%q) on a held store = %d, stdout %q, stderr %q; want 1 and the daemon message", args, code, out, errOut)
		}
	}
}

// TestOutboxTables fixes the table layout on entries of every kind.
func TestOutboxTables(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := news.Alert{ID: "nh_1", Watch: "detainees", Title: "Detainees moved from al-Hol camp to Iraq as the transfers resume\tafter a pause"}
	l := outboxList{
		Queued: []store.Entry{
			{ID: "nh_1/hook", AlertID: "nh_1", Notifier: "hook", Alert: a, Attempts: 3, FirstDue: now.Add(-2*time.Hour - 5*time.Minute),
				NextAttempt: now.Add(5 * time.Minute), LastError: "webhook: 503 Service Unavailable"},
			{ID: "nh_1/mail", AlertID: "nh_1", Notifier: "mail", Alert: a, FirstDue: now.Add(20 * time.Hour), NextAttempt: now.Add(20 * time.Hour), Digest: true},
		},
		Dead: []store.Entry{{ID: "nh_2/team", AlertID: "nh_2", Notifier: "team", Alert: news.Alert{ID: "nh_2", Watch: "isis", Title: "Raid"},
			Attempts: 1, DeadAt: now.Add(-time.Hour), LastError: "slack: invalid_payload"}},
		Disabled: []store.DisabledNotifier{{Name: "old-hook", Reason: "410 Gone", At: now.Add(-24 * time.Hour)}},
	}
	var text, js bytes.Buffer
	if err := writeOutboxTables(&text, l, now); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "outbox", "tables.golden"), text.Bytes())
	if err := writeOutboxJSON(&js, l, now); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "outbox", "outbox.golden.json"), js.Bytes())
	var empty bytes.Buffer
	if err := writeOutboxJSON(&empty, outboxList{}, now); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"queued\": [],\n  \"dead\": [],\n  \"disabled\": []\n}\n"; empty.String() != want {
		t.Errorf("writeOutboxJSON(empty) = %q, want %q", empty.String(), want)
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		since time.Time
		want  string
	}{
		{time.Time{}, "-"},
		{now.Add(-30 * time.Second), "30s"},
		{now.Add(-10 * time.Second), "10s"},
		{now.Add(-2*time.Hour - 5*time.Minute - 20*time.Second), "2h5m"},
		{now.Add(-time.Hour), "1h0m"},
		{now.Add(20 * time.Hour), "due in 20h0m"},
	}
	for _, tt := range tests {
		if got := age(tt.since, now); got != tt.want {
			t.Errorf("age(%v, %v) = %q, want %q", tt.since, now, got, tt.want)
		}
	}
}
