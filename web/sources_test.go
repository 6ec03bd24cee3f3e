package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newshound/newshound/store"
)

// manySources is how many sources the large fixture configures.
const manySources = 10000

// The large fixture's sources by i%50: 0 unhealthy, 1 failing, 2 failing
// and never succeeded, 3 a cut listing, 4 never run, the rest fine.
var manyCounts = SourceCounts{
	Total: manySources, OK: manySources * 46 / 50, Degraded: manySources * 2 / 50,
	Unhealthy: manySources / 50, NeverRun: manySources / 50,
	Trouble: manySources * 4 / 50, Failing: manySources * 2 / 50,
	NeverSucceeded: manySources / 50, Truncated: manySources / 50,
}

// manyFixture is a real store in a temporary directory holding the state
// of manySources sources, and a backend over it.
func manyFixture(tb testing.TB) *storeBackend {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "newshound.db"), store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	if err := fillMany(st); err != nil {
		tb.Fatal(err)
	}
	b := &storeBackend{st: st}
	for i := range manySources {
		b.sources = append(b.sources, sourceConfig{Name: manyName(i), Kind: "feed",
			URL: fmt.Sprintf("https://site%d.example/rss.xml", i), Next: t0.Add(time.Duration(i%900) * time.Second)})
	}
	return b
}

// manyName numbers the sources backwards, so config order is not name
// order.
func manyName(i int) string { return fmt.Sprintf("src-%05d", manySources-1-i) }

func fillMany(st *store.Store) error {
	for i := range manySources {
		s := store.SourceState{LastRun: t0.Add(-5 * time.Minute), LastSuccess: t0.Add(-5 * time.Minute), Items: 20, New: 1,
			History: []int{20, 19, 20, 21, 20}}
		switch i % 50 {
		case 0:
			s.ConsecutiveFailures, s.Unhealthy, s.UnhealthySince, s.LastError = 4, true, t0.Add(-time.Hour), "fetch: http status 503"
		case 1:
			s.ConsecutiveFailures, s.LastError = 1, "fetch: http status 500"
		case 2:
			s.ConsecutiveFailures, s.LastSuccess, s.LastError = 2, time.Time{}, "fetch: http status 404"
		case 3:
			s.Truncated = 5000
		case 4:
			continue // never run
		}
		if _, err := st.Record(store.Pass{Source: manyName(i), State: s}); err != nil {
			return err
		}
	}
	return nil
}

// getSources asks the API for one page.
func getSources(t *testing.T, h http.Handler, query string) (SourcesPage, int) {
	t.Helper()
	resp := get(t, h, "/api/v1/sources?"+query)
	raw := body(t, resp)
	var page SourcesPage
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(raw), &page); err != nil {
			t.Fatalf("GET /api/v1/sources?%s: %v", query, err)
		}
	}
	return page, resp.StatusCode
}

// TestSourcesAtScale: with 10,000 sources in a real store, an answer of
// the API and the status page is one bounded page; the filter keeps only
// the sources in trouble; paging visits every source once, trouble first,
// by name within.
func TestSourcesAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10,000 source states")
	}
	b := manyFixture(t)
	h := New(Options{Backend: b, Now: func() time.Time { return t0 }, Logger: discardLogger()}).Handler()

	first, code := getSources(t, h, "")
	if code != http.StatusOK || len(first.Sources) != DefaultSourceLimit || first.Next == "" {
		t.Fatalf("GET /api/v1/sources = %d with %d sources, next %q; want 200 with %d and a next cursor", code, len(first.Sources), first.Next, DefaultSourceLimit)
	}
	if first.Counts != manyCounts {
		t.Errorf("counts = %+v, want %+v", first.Counts, manyCounts)
	}
	if s := first.Sources[0]; s.Health != HealthUnhealthy || s.Name != "src-00049" {
		t.Errorf("first source = %s (%s), want the unhealthy one first by name, src-00049", s.Name, s.Health)
	}

	tests := []struct {
		filter string
		want   int
		keep   func(SourceJSON) bool
	}{
		{FilterAll, manySources, func(SourceJSON) bool { return true }},
		{FilterTrouble, manyCounts.Trouble, func(s SourceJSON) bool {
			return !s.Healthy || s.ConsecutiveFailures > 0 || s.Truncated > 0 || (s.LastRun != nil && s.LastSuccess == nil)
		}},
		{FilterUnhealthy, manyCounts.Unhealthy, func(s SourceJSON) bool { return !s.Healthy }},
		{FilterFailing, manyCounts.Failing, func(s SourceJSON) bool { return s.Healthy && s.ConsecutiveFailures > 0 }},
		{FilterNeverSucceeded, manyCounts.NeverSucceeded, func(s SourceJSON) bool { return s.LastRun != nil && s.LastSuccess == nil }},
		{FilterTruncated, manyCounts.Truncated, func(s SourceJSON) bool { return s.Truncated > 0 }},
	}
	for _, tc := range tests {
		var names []string
		seen := map[string]bool{}
		pages := 0
		for cursor := ""; ; pages++ {
			q := url.Values{"filter": {tc.filter}, "limit": {"1000"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			page, code := getSources(t, h, q.Encode())
			if code != http.StatusOK || len(page.Sources) > 1000 {
				t.Fatalf("filter %s page %d = %d with %d sources, want 200 with at most 1000", tc.filter, pages, code, len(page.Sources))
			}
			for _, s := range page.Sources {
				if seen[s.Name] {
					t.Fatalf("filter %s: source %s on two pages", tc.filter, s.Name)
				}
				if !tc.keep(s) {
					t.Errorf("filter %s gives %s (%s), which it should leave out", tc.filter, s.Name, s.Health)
				}
				seen[s.Name] = true
				names = append(names, s.Name)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
			if pages > manySources/1000 {
				t.Fatalf("filter %s: still a next page after %d pages", tc.filter, pages)
			}
		}
		if len(names) != tc.want {
			t.Errorf("filter %s pages through %d sources, want %d", tc.filter, len(names), tc.want)
		}
		if tc.filter == FilterUnhealthy && !slices.IsSorted(names) {
			t.Errorf("filter %s: sources not by name", tc.filter)
		}
	}

	for _, q := range []string{"cursor=bm9wZQ", "cursor=!!", "filter=broken", "limit=1001", "limit=0", "page=2"} {
		if _, code := getSources(t, h, q); code != http.StatusBadRequest {
			t.Errorf("GET /api/v1/sources?%s = %d, want 400", q, code)
		}
	}

	// The status page: the counts, one page of rows, a link to the next.
	seen := map[string]bool{}
	target := "/"
	for range 2 {
		resp := get(t, h, target)
		raw := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", target, resp.StatusCode)
		}
		doc := parsePage(t, raw)
		rows := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "source") })
		if len(rows) != DefaultSourceLimit {
			t.Fatalf("GET %s shows %d source rows, want %d", target, len(rows), DefaultSourceLimit)
		}
		for _, r := range rows {
			name, _ := attr(r, "data-source")
			if seen[name] {
				t.Fatalf("GET %s shows %s again", target, name)
			}
			seen[name] = true
		}
		counts := findAll(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == "source-counts" })
		if len(counts) != 1 || !strings.HasPrefix(text(counts[0]), "10000 sources: 9200 ok · 400 degraded · 200 unhealthy · 200 never run — trouble: 800") {
			t.Errorf("GET %s counts = %v, want 10000 sources by state", target, counts)
		}
		next := findAll(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == "sources-next" })
		if len(next) != 1 {
			t.Fatalf("GET %s has %d next links, want 1", target, len(next))
		}
		target, _, _ = strings.Cut(attrOf(next[0], "href"), "#") // a browser keeps the fragment to itself
	}
	if resp := get(t, h, "/?filter=trouble"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /?filter=trouble = %d, want 200", resp.StatusCode)
	} else if rows := findAll(parsePage(t, body(t, resp)), func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "unhealthy") }); len(rows) != DefaultSourceLimit {
		t.Errorf("GET /?filter=trouble shows %d unhealthy rows, want %d (the first page is all unhealthy)", len(rows), DefaultSourceLimit)
	}
	if resp := get(t, h, "/?cursor=bm9wZQ"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /?cursor=bm9wZQ = %d, want 400", resp.StatusCode)
	}
}

// BenchmarkStatusPage10k renders the status page and one API page over
// 10,000 sources in a real store, reading every source's state as the
// daemon does.
func BenchmarkStatusPage10k(b *testing.B) {
	back := manyFixture(b)
	h := New(Options{Backend: back, Now: func() time.Time { return t0 }, Logger: discardLogger()}).Handler()
	for _, target := range []string{"/", "/?filter=trouble", "/api/v1/sources", "/api/v1/sources?limit=1000"} {
		b.Run(strings.NewReplacer("/", "_", "?", "_").Replace(target), func(b *testing.B) {
			var n int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Host = "localhost"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", target, rec.Code)
				}
				n = rec.Body.Len()
			}
			b.ReportMetric(float64(n), "bytes/answer")
		})
	}
}
