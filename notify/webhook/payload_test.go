package webhook

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/notifytest"
)

// golden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func indent(t *testing.T, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, body)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

func TestPayloadGolden(t *testing.T) {
	for _, tc := range []struct {
		file  string
		alert news.Alert
	}{
		{"payload.golden.json", notifytest.SampleAlert()},
		{"payload_minimal.golden.json", notifytest.Named("optional fields empty")},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := Payload(tc.alert)
			if err != nil {
				t.Fatalf("Payload: %v", err)
			}
			checkGolden(t, tc.file, indent(t, body))
		})
	}
}

func TestPayloadFields(t *testing.T) {
	a := notifytest.SampleAlert()
	body, err := Payload(a)
	if err != nil {
		t.Fatalf("Payload: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("Payload(sample) is not JSON: %v", err)
	}
	want := map[string]any{
		"id":        a.ID,
		"watch":     "detainees",
		"source":    "wire",
		"url":       a.URL,
		"title":     a.Title,
		"published": "2026-11-25T09:30:00Z",
		"found":     "2026-11-25T10:00:00Z",
		"matches": []any{
			map[string]any{"term": "al Hol", "seen": []any{"al-Hol", "الهول"}, "count": 2.0},
			map[string]any{"term": "CENTCOM", "seen": []any{"CENTCOM"}, "count": 1.0},
		},
		"fired":          `("al Hol" OR الهول) AND transfer*`,
		"snippet":        a.Snippet,
		"snippet_marked": "Families held at <b>«al-Hol»</b> & Roj <!here> — قالت «القيادة المركزية الأمريكية»\nBcc: other@evil.example",
	}
	for key, w := range want {
		if diff := cmp.Diff(w, got[key]); diff != "" {
			t.Errorf("Payload(sample)[%q] mismatch (-want +got):\n%s", key, diff)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Payload(sample) has %d fields, want %d: %s", len(got), len(want), body)
	}
}

func TestPayloadOmitsUnknown(t *testing.T) {
	body, err := Payload(news.Alert{ID: "nh_1", Watch: "w", Matches: []news.Match{{Term: "x", Count: 1}}})
	if err != nil {
		t.Fatalf("Payload: %v", err)
	}
	want := `{"id":"nh_1","watch":"w","matches":[{"term":"x","seen":[],"count":1}]}`
	if string(body) != want {
		t.Errorf("Payload(minimal) = %s, want %s", body, want)
	}
}

func TestPayloadTimesUTC(t *testing.T) {
	a := notifytest.SampleAlert()
	loc := time.FixedZone("AST", 3*60*60)
	a.Published = a.Published.In(loc).Add(999_000_000) // sub-second part dropped
	body, err := Payload(a)
	if err != nil {
		t.Fatalf("Payload: %v", err)
	}
	var got struct{ Published string }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Published != "2026-11-25T09:30:00Z" {
		t.Errorf("Payload published = %q, want %q", got.Published, "2026-11-25T09:30:00Z")
	}
}

func TestPayloadTruncatesByRunes(t *testing.T) {
	for _, tc := range notifytest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			body, err := Payload(tc.Alert)
			if err != nil {
				t.Fatalf("Payload: %v", err)
			}
			var got struct{ Title, Snippet string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("Payload is not JSON: %v", err)
			}
			checkLimit(t, "title", got.Title, MaxTitleRunes)
			checkLimit(t, "snippet", got.Snippet, MaxSnippetRunes)
		})
	}
	huge := notifytest.Named("20 kB title")
	if got := textsafe.Truncate(huge.Title, MaxTitleRunes); !strings.HasSuffix(got, "…") ||
		utf8.RuneCountInString(got) != MaxTitleRunes {
		t.Errorf("textsafe.Truncate(20 kB title) has %d runes, ends %q; want %d ending in …",
			utf8.RuneCountInString(got), got[len(got)-8:], MaxTitleRunes)
	}
}

func checkLimit(t *testing.T, field, s string, max int) {
	t.Helper()
	if n := utf8.RuneCountInString(s); n > max {
		t.Errorf("%s has %d runes, want ≤ %d", field, n, max)
	}
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8: %q", field, s)
	}
}

func FuzzPayload(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.Snippet, tc.Alert.URL, "al-Hol", 17, 23)
	}
	f.Fuzz(func(t *testing.T, title, snippet, url, seen string, start, end int) {
		a := notifytest.SampleAlert()
		a.Title, a.Snippet, a.URL = title, snippet, url
		a.Matches[0].Seen = []string{seen}
		a.Highlights = []news.Span{{Start: start, End: end}, {Start: end, End: end + 3}}
		body, err := Payload(a)
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		var got struct {
			Title, Snippet, URL string
			SnippetMarked       string `json:"snippet_marked"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("Payload is not JSON: %v\n%s", err, body)
		}
		if want := withoutBidi(textsafe.Truncate(title, MaxTitleRunes)); got.Title != want {
			t.Errorf("title round trip = %q, want %q", got.Title, want)
		}
		checkLimit(t, "snippet", got.Snippet, MaxSnippetRunes)
		unmark := strings.NewReplacer("«", "", "»", "")
		if (got.SnippetMarked == "") != (snippet == "") || unmark.Replace(got.SnippetMarked) != unmark.Replace(got.Snippet) {
			t.Errorf("snippet_marked %q is not snippet %q with markers", got.SnippetMarked, got.Snippet)
		}
	})
}

// TestPayloadSnippetMarked: hits are wrapped in « », spans that do not fit
// are ignored, and a snippet without highlights is sent unmarked.
func TestPayloadSnippetMarked(t *testing.T) {
	for _, tc := range []struct {
		name    string
		snippet string
		spans   []news.Span
		want    string
	}{
		{"two hits", "CENTCOM moved al-Hol families", []news.Span{{Start: 0, End: 7}, {Start: 14, End: 20}}, "«CENTCOM» moved «al-Hol» families"},
		{"no highlights", "plain", nil, "plain"},
		{"span out of range", "plain", []news.Span{{Start: 2, End: 99}}, "plain"},
		{"span inside a letter", "الهول", []news.Span{{Start: 1, End: 10}}, "الهول"},
		{"no snippet", "", []news.Span{{Start: 0, End: 1}}, ""},
	} {
		a := notifytest.SampleAlert()
		a.Snippet, a.Highlights = tc.snippet, tc.spans
		body, err := Payload(a)
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if tc.want == "" {
			if _, ok := got["snippet_marked"]; ok {
				t.Errorf("Payload(%s) has snippet_marked %q, want it omitted", tc.name, got["snippet_marked"])
			}
			continue
		}
		if got["snippet_marked"] != tc.want {
			t.Errorf("Payload(%s) snippet_marked = %q, want %q", tc.name, got["snippet_marked"], tc.want)
		}
	}
}
