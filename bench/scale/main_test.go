package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNotModified(t *testing.T) {
	mod := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		inm, ims string
		want     bool
	}{
		{"", "", false},
		{`"1-21"`, "", true},
		{`W/"1-21"`, "", true},
		{`"1-20"`, "", false},
		{`"1-20"`, mod.Format(http.TimeFormat), false}, // If-None-Match wins
		{"", mod.Format(http.TimeFormat), true},
		{"", mod.Add(time.Hour).Format(http.TimeFormat), true},
		{"", mod.Add(-time.Second).Format(http.TimeFormat), false},
		{"", "yesterday", false},
	} {
		r, _ := http.NewRequest("GET", "http://127.0.0.1/f/1.xml", nil)
		if tc.inm != "" {
			r.Header.Set("If-None-Match", tc.inm)
		}
		if tc.ims != "" {
			r.Header.Set("If-Modified-Since", tc.ims)
		}
		if got := notModified(r, `"1-21"`, mod); got != tc.want {
			t.Errorf("notModified(%q, %q) = %v, want %v", tc.inm, tc.ims, got, tc.want)
		}
	}
}

// The feeds publish on time, staggered, and answer 304 to their own
// validators until the next item appears.
func TestFeeds(t *testing.T) {
	start := time.Now().Add(-90 * time.Minute)
	w := newWeb(4, time.Hour, 2, nil, start)
	defer w.Close()
	for _, tc := range []struct {
		i, want int
	}{
		{0, oldItems + 2}, // offset 0: items at start and start+1h
		{1, oldItems + 2}, // offset 15m
		{3, oldItems + 1}, // offset 45m: start+45m only
	} {
		if got := w.newest(tc.i, time.Now()); got != tc.want {
			t.Errorf("newest(%d) = %d, want %d", tc.i, got, tc.want)
		}
		if p := w.published(tc.i, tc.want); p.After(time.Now()) || time.Since(p) > w.every {
			t.Errorf("published(%d, %d) = %v, not within the last interval", tc.i, tc.want, p)
		}
	}
	if age := time.Since(w.published(2, 1)); age < 4*24*time.Hour {
		t.Errorf("oldest item is %v old, want days", age)
	}

	w.setEpoch(time.Now())
	resp, err := http.Get(w.URL("/f/1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := strings.Count(string(body), "<item>"); n != feedLen {
		t.Errorf("feed lists %d items, want %d", n, feedLen)
	}
	if !strings.Contains(string(body), fmt.Sprintf("/a/1/%d", oldItems+2)) {
		t.Errorf("feed lacks its newest item:\n%.300s", body)
	}
	for _, h := range []string{"If-None-Match", "If-Modified-Since"} {
		v := resp.Header.Get("ETag")
		if h == "If-Modified-Since" {
			v = resp.Header.Get("Last-Modified")
		}
		req, _ := http.NewRequest("GET", w.URL("/f/1.xml"), nil)
		req.Header.Set(h, v)
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET with %s: %q = %d, want 304", h, v, again.StatusCode)
		}
	}
	c := w.counts()
	if len(c) != 1 || c[0][feed200] != 1 || c[0][feed304] != 2 {
		t.Errorf("counts = %v, want one feed 200 and two 304 in minute 0", c)
	}
}

func TestField(t *testing.T) {
	for _, tc := range []struct{ line, name, want string }{
		{`{"msg":"source failed","err":"x"}`, "msg", "source failed"},
		{`{"msg":"a \"quoted\" b","x":1}`, "msg", `a "quoted" b`},
		{`{"level":"WARN"}`, "msg", ""},
	} {
		if got := field([]byte(tc.line), tc.name); got != tc.want {
			t.Errorf("field(%q, %q) = %q, want %q", tc.line, tc.name, got, tc.want)
		}
	}
}
