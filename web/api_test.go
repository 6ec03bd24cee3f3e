package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

func TestAPIGolden(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	for _, tt := range []struct{ target, golden string }{
		{"/api/v1/alerts", "testdata/alerts.golden.json"},
		{"/api/v1/sources", "testdata/sources.golden.json"},
	} {
		resp := get(t, h, tt.target)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s status = %d, want 200; body %s", tt.target, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("GET %s Content-Type = %q, want application/json", tt.target, ct)
		}
		golden.Check(t, tt.golden, []byte(b))
	}
}

type alertsPage struct {
	Alerts []struct {
		ID string `json:"id"`
	} `json:"alerts"`
	Next string `json:"next"`
}

func fetchPage(t *testing.T, h http.Handler, target string) alertsPage {
	t.Helper()
	resp := get(t, h, target)
	b := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s status = %d, want 200; body %s", target, resp.StatusCode, b)
	}
	var page alertsPage
	if err := json.Unmarshal([]byte(b), &page); err != nil {
		t.Fatalf("GET %s: decode: %v", target, err)
	}
	return page
}

func ids(p alertsPage) []string {
	var out []string
	for _, a := range p.Alerts {
		out = append(out, a.ID)
	}
	return out
}

func TestAPIAlertsFilters(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	for _, tt := range []struct {
		query string
		keep  func(news.Alert) bool
	}{
		{"", func(news.Alert) bool { return true }},
		{"watch=acme", func(a news.Alert) bool { return a.Watch == "acme" }},
		{"source=hostile-site", func(a news.Alert) bool { return a.Source == "hostile-site" }},
		{"watch=acme&source=wire", func(a news.Alert) bool { return a.Watch == "acme" && a.Source == "wire" }},
		{"since=25m", func(a news.Alert) bool { return !a.Found.Before(t0.Add(-25 * time.Minute)) }},
		{"since=" + url.QueryEscape(t0.Add(-20*time.Minute).Format(time.RFC3339)), func(a news.Alert) bool { return !a.Found.Before(t0.Add(-20 * time.Minute)) }},
		{"since=1d", func(news.Alert) bool { return true }},
		// Days with a duration after them, as the config and the CLI
		// take them (news.ParseDuration): a 400 before they shared it.
		{"since=1d12h", func(news.Alert) bool { return true }},
		{"since=0d25m", func(a news.Alert) bool { return !a.Found.Before(t0.Add(-25 * time.Minute)) }},
		{"watch=nobody", func(news.Alert) bool { return false }},
	} {
		got := ids(fetchPage(t, h, "/api/v1/alerts?"+tt.query))
		if want := f.alertIDs(tt.keep); !slices.Equal(got, want) {
			t.Errorf("GET /api/v1/alerts?%s = %v, want %v", tt.query, got, want)
		}
	}
}

// Following next with limit=1 visits every alert once, newest first.
func TestAPIAlertsPaging(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	var got []string
	target := "/api/v1/alerts?limit=1"
	for range 10 {
		page := fetchPage(t, h, target)
		if len(page.Alerts) > 1 {
			t.Fatalf("GET %s returned %d alerts, want at most 1", target, len(page.Alerts))
		}
		got = append(got, ids(page)...)
		if page.Next == "" {
			break
		}
		target = "/api/v1/alerts?limit=1&cursor=" + url.QueryEscape(page.Next)
	}
	if want := f.alertIDs(func(news.Alert) bool { return true }); !slices.Equal(got, want) {
		t.Errorf("paging with limit=1 = %v, want %v", got, want)
	}
}

func TestAPIAlertsBadParams(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	for _, tt := range []struct{ query, param string }{
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"limit=ten", "limit"},
		{"limit=-1", "limit"},
		{"since=yesterday", "since"},
		{"since=-24h", "since"},
		{"since=0d", "since"},
		{"since=1d-2h", "since"},
		{"since=1.5d", "since"},
		{"since=99999999999d", "since"},
		{"since=2026-03-14", "since"},
		{"cursor=not-a-cursor", "cursor"},
		{"cursor=AQ", "cursor"},
		{"watchh=acme", "watchh"},
	} {
		resp := get(t, h, "/api/v1/alerts?"+tt.query)
		b := body(t, resp)
		var e struct{ Error, Param string }
		if err := json.Unmarshal([]byte(b), &e); err != nil {
			t.Errorf("GET /api/v1/alerts?%s: body %q is not JSON: %v", tt.query, b, err)
			continue
		}
		if resp.StatusCode != http.StatusBadRequest || e.Param != tt.param || !strings.HasPrefix(e.Error, tt.param+" ") {
			t.Errorf("GET /api/v1/alerts?%s = %d %+v, want 400 naming %q", tt.query, resp.StatusCode, e, tt.param)
		}
	}
}

func TestParseSince(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want time.Time
	}{
		{"24h", t0.Add(-24 * time.Hour)},
		{"90m", t0.Add(-90 * time.Minute)},
		{"1h30m", t0.Add(-90 * time.Minute)},
		{"7d", t0.AddDate(0, 0, -7)},
		{"1d12h", t0.Add(-36 * time.Hour)},
		{"2026-03-01T00:00:00Z", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-01T02:00:00+02:00", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := parseSince(tt.raw, t0)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v, want %v", tt.raw, got, err, tt.want)
		}
	}
}

// Backend failures answer 500 without their message, which may name
// paths.
func TestAPIInternalErrorHidesCause(t *testing.T) {
	s := New(Options{Backend: brokenBackend{}, Logger: discardLogger()})
	for _, target := range []string{"/api/v1/alerts", "/api/v1/sources", "/watches/acme.atom"} {
		resp := get(t, s.Handler(), target)
		b := body(t, resp)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(b, "secret-path") {
			t.Errorf("GET %s with a failing backend = %d %q, want 500 without the cause", target, resp.StatusCode, b)
		}
	}
}

func TestFailingArticlesOrder(t *testing.T) {
	failing := store.ArticleFailures{
		"https://x.example/c": {Attempts: 1, First: t0.Add(time.Minute), LastError: "c"},
		"https://x.example/b": {Attempts: 2, First: t0, LastError: "b"},
		"https://x.example/a": {Attempts: 3, First: t0, LastError: "a"},
	}
	var got []string
	for _, f := range FailingArticles(failing) {
		got = append(got, fmt.Sprintf("%s %d %s", f.URL, f.Attempts, f.LastError))
	}
	// Oldest first failure first; the same time by URL.
	want := []string{"https://x.example/a 3 a", "https://x.example/b 2 b", "https://x.example/c 1 c"}
	if !slices.Equal(got, want) {
		t.Errorf("FailingArticles(%v) = %q, want %q", failing, got, want)
	}
	empty := store.ArticleFailures{}
	for _, in := range []store.ArticleFailures{nil, empty} {
		if got := FailingArticles(in); got != nil {
			t.Errorf("FailingArticles(%v) = %v, want nil", in, got)
		}
	}
	if got := NewFailingArticlesJSON(nil); got == nil || len(got) != 0 {
		t.Errorf("NewFailingArticlesJSON(nil) = %#v, want an empty, non-nil list", got)
	}
}
