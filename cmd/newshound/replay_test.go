package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/store"
)

// replaySite serves a feed of three articles: one on CENTCOM, one on
// Daesh, one on the weather.
func replaySite(t *testing.T) *testsite.Site {
	t.Helper()
	pages := map[string]string{
		"/centcom.html": "CENTCOM update|CENTCOM said on Monday that it had completed a review of its operations in the region.",
		"/daesh.html":   "Raid on hideout|Security forces said they raided a Daesh hideout near the border overnight, officials said.",
		"/weather.html": "Storm warning|Forecasters warned of heavy rain along the coast this weekend and urged caution.",
	}
	site := testsite.New(t)
	site.Handle("/rss.xml", func(w http.ResponseWriter, _ *http.Request) {
		var items []testsite.Item
		for path, page := range pages {
			title, _, _ := strings.Cut(page, "|")
			items = append(items, testsite.Item{Path: path, Title: title, Published: time.Now()})
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, testsite.RSS(site.URL(""), "t", "utf-8", items))
	})
	for path, page := range pages {
		title, para, _ := strings.Cut(page, "|")
		site.Page(path, "text/html; charset=utf-8", fmt.Appendf(nil, `<html><head><title>%[1]s</title></head><body><article><h1>%[1]s</h1>
<p>%[2]s</p>
<p>The statement gave no further details about the timing of the next steps or the units involved in them.</p>
<p>Officials in several capitals welcomed the review and said they expected more information in the coming weeks.</p>
</article></body></html>`, title, para))
	}
	return site
}

const replayTestConfig = `data: test.db
crawl: {host_delay: 0s}
sources:
  - name: wire
    feed: %s/rss.xml
watches:
  - name: centcom
    entities: [CENTCOM]
    notify: [console]
%s
notifiers:
  - name: console
    stdout: {}
`

const isisWatch = `  - name: isis
    entities:
      - name: ISIS
        aliases: [Daesh]
    notify: [console]`

// TestReplayCommand: after `once` with one watch, `replay` with a new
// watch added prints the hit it would have had (and the alert already
// sent, marked), sends nothing, and says how many articles it read.
func TestReplayCommand(t *testing.T) {
	site := replaySite(t)
	path := writeFile(t, fmt.Sprintf(replayTestConfig, site.URL(""), ""))
	if code, out, errOut := runCmd([]string{"once", "--config", path}, noEnv); code != exitOK || !strings.Contains(out, "[centcom]") {
		t.Fatalf("once = %d, stdout %q, stderr %q; want 0 and the centcom alert", code, out, errOut)
	}
	if err := os.WriteFile(path, fmt.Appendf(nil, replayTestConfig, site.URL(""), isisWatch), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCmd([]string{"replay", "--config", path, "--since", "1h"}, noEnv)
	if code != exitOK {
		t.Fatalf("replay = %d, stderr %q; want 0", code, errOut)
	}
	stamp := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  `
	for _, want := range []string{
		stamp + regexp.QuoteMeta(`[centcom] wire: CENTCOM update — `+site.URL("")+`/centcom.html (fired: CENTCOM) [already alerted]`) + "\n",
		stamp + regexp.QuoteMeta(`[isis] wire: Raid on hideout — `+site.URL("")+`/daesh.html (fired: ISIS)`) + "\n",
		`(?m)^replayed 3 articles: 2 would fire \(1 already alerted\)\n$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("replay stdout = %q, want a match for %s", out, want)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("replay printed %d lines, want 3:\n%s", n, out)
	}

	code, out, errOut = runCmd([]string{"replay", "--config", path, "--since", "2d", "--watch", "isis", "--json"}, noEnv)
	if code != exitOK {
		t.Fatalf("replay --json = %d, stderr %q", code, errOut)
	}
	var doc struct {
		Articles int
		Hits     []struct {
			Watch, Fired, URL string
			SnippetMarked     string `json:"snippet_marked"`
			Alerted           bool
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("replay --json output is not JSON: %v\n%s", err, out)
	}
	if doc.Articles != 3 || len(doc.Hits) != 1 || doc.Hits[0].Watch != "isis" || doc.Hits[0].Alerted ||
		!strings.Contains(doc.Hits[0].SnippetMarked, "«Daesh»") {
		t.Errorf("replay --json = %+v; want 3 articles and the one isis hit with «Daesh» marked", doc)
	}

	// Replay queued nothing: had it stored the isis alert, this once
	// would deliver it (the articles themselves are already seen).
	if code, out, _ := runCmd([]string{"once", "--config", path}, noEnv); code != exitOK || out != "" {
		t.Errorf("once after replay = %d, stdout %q; want 0 and nothing (replay queued nothing)", code, out)
	}
}

func TestReplayCommandErrors(t *testing.T) {
	site := replaySite(t)
	path := writeFile(t, fmt.Sprintf(replayTestConfig, site.URL(""), isisWatch))
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no database yet", []string{"replay", "--config", path}, exitFailure, "no database at"},
		{"bad since", []string{"replay", "--config", path, "--since", "yesterday"}, exitUsage, `--since: "yesterday" is not a duration`},
		{"negative since", []string{"replay", "--config", path, "--since", "-3h"}, exitUsage, "is negative"},
		{"extra argument", []string{"replay", "--config", path, "x"}, exitUsage, `unexpected argument "x"`},
		{"unknown watch", []string{"replay", "--config", path, "--watch", "nope"}, exitFailure,
			`no watch named "nope" in ` + path + "; the watches are: centcom, isis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(tt.args, noEnv)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "test.db")); err == nil {
		t.Errorf("replay created a database where there was none")
	}
}

// TestReplayWhileDaemonRuns: a store held open by another Store (as the
// daemon holds it) makes replay fail at once with a message saying what
// to do.
func TestReplayWhileDaemonRuns(t *testing.T) {
	site := replaySite(t)
	path := writeFile(t, fmt.Sprintf(replayTestConfig, site.URL(""), ""))
	held, err := store.Open(filepath.Join(filepath.Dir(path), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, out, errOut := runCmd([]string{"replay", "--config", path}, noEnv)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "the daemon holds the database") ||
		!strings.Contains(errOut, "Stop the daemon") {
		t.Errorf("replay on a held store = %d, stdout %q, stderr %q; want 1 and the daemon message", code, out, errOut)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"72h", now.Add(-72 * time.Hour), true},
		{"90m", now.Add(-90 * time.Minute), true},
		{"3d", now.Add(-72 * time.Hour), true},
		{"1d12h", now.Add(-36 * time.Hour), true},
		{"0s", now, true},
		{"2026-11-20T08:00:00Z", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"d", time.Time{}, false},
		{"3 days", time.Time{}, false},
		{"1.5d", time.Time{}, false},
		{"-2h", time.Time{}, false},
		{"1d-2h", time.Time{}, false},
		{"99999999999999d", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzParseSince: parseSince never panics, and what it accepts is never
// after now.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"72h", "3d", "1d12h", "2026-11-20T08:00:00Z", "d", "-1d", "9223372036854775807ns"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err == nil && got.After(now) && !strings.Contains(s, "T") {
			t.Errorf("parseSince(%q) = %v, after now", s, got)
		}
	})
}
