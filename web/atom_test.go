package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/newshound/newshound/news"
)

// rfc4287Feed reads back what RFC 4287 requires of a feed and its
// entries, independently of the types that wrote it.
type rfc4287Feed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Author  []struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Entries []struct {
		ID      string `xml:"http://www.w3.org/2005/Atom id"`
		Title   string `xml:"http://www.w3.org/2005/Atom title"`
		Updated string `xml:"http://www.w3.org/2005/Atom updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Summary string `xml:"http://www.w3.org/2005/Atom summary"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"http://www.w3.org/2005/Atom content"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

func TestAtomFeed(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	resp := get(t, h, "/watches/acme.atom")
	raw := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /watches/acme.atom status = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/atom+xml", ct)
	}
	var feed rfc4287Feed
	if err := xml.Unmarshal([]byte(raw), &feed); err != nil {
		t.Fatalf("feed is not well-formed Atom: %v\n%s", err, raw)
	}
	checkRequired(t, feed)
	wantIDs := f.alertIDs(func(a news.Alert) bool { return a.Watch == "acme" })
	var gotIDs []string
	for _, e := range feed.Entries {
		gotIDs = append(gotIDs, strings.TrimPrefix(e.ID, "urn:newshound:alert:"))
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("entry ids = %v, want %v (newest first)", gotIDs, wantIDs)
	}
	if feed.Updated != "2026-03-14T08:50:00Z" {
		t.Errorf("feed updated = %q, want the newest alert's found time", feed.Updated)
	}

	first := feed.Entries[0]
	if len(first.Links) != 1 || first.Links[0].Href != "https://wire.example/acme-globex" {
		t.Errorf("first entry links = %+v, want the article URL", first.Links)
	}
	if want := "Shares of <mark>Acme</mark> rose after <mark>ACME</mark> and Globex agreed."; first.Content.Type != "html" || !strings.Contains(first.Content.Body, want) {
		t.Errorf("first entry content = %s %q, want html containing %q", first.Content.Type, first.Content.Body, want)
	}
	hostile := feed.Entries[1]
	if len(hostile.Links) != 0 {
		t.Errorf("javascript: alert got links %+v, want none", hostile.Links)
	}
	if hostile.Title != hostileTitle {
		t.Errorf("hostile title = %q, want it verbatim as text %q", hostile.Title, hostileTitle)
	}
	// The content is HTML: the snippet's own markup must arrive escaped,
	// only <p> and <mark> being real.
	if strings.Contains(hostile.Content.Body, "<img") || strings.Contains(hostile.Content.Body, "<script") ||
		!strings.Contains(hostile.Content.Body, "&lt;img src=x onerror=alert(1)&gt; <mark>Acme</mark>") {
		t.Errorf("hostile content = %q, want the markup escaped and the hit marked", hostile.Content.Body)
	}
	if untitled := feed.Entries[2]; untitled.Title != "(untitled)" || len(untitled.Links) != 0 || untitled.Content.Body == "" {
		t.Errorf("data: alert without title = %+v, want title (untitled), no link, content", untitled)
	}

	// A second, independent parser: what feed readers use.
	parsed, err := gofeed.NewParser().ParseString(raw)
	if err != nil {
		t.Fatalf("gofeed cannot parse the feed: %v", err)
	}
	if parsed.FeedType != "atom" || parsed.FeedVersion != "1.0" || len(parsed.Items) != len(wantIDs) {
		t.Errorf("gofeed: type %s %s with %d items, want atom 1.0 with %d", parsed.FeedType, parsed.FeedVersion, len(parsed.Items), len(wantIDs))
	}
	if it := parsed.Items[0]; it.Link != "https://wire.example/acme-globex" || it.UpdatedParsed == nil ||
		!it.UpdatedParsed.Equal(t0.Add(-10*time.Minute)) || it.PublishedParsed == nil || it.Title != "Acme agrees to buy Globex" {
		t.Errorf("gofeed first item = %+v", it)
	}
}

func checkRequired(t *testing.T, feed rfc4287Feed) {
	t.Helper()
	if feed.ID == "" || feed.Title == "" || feed.Updated == "" || len(feed.Author) == 0 || feed.Author[0].Name == "" {
		t.Errorf("feed lacks a required element: id %q title %q updated %q authors %v", feed.ID, feed.Title, feed.Updated, feed.Author)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("feed updated %q is not RFC 3339: %v", feed.Updated, err)
	}
	seen := map[string]bool{}
	for i, e := range feed.Entries {
		u, err := url.Parse(e.ID)
		if e.ID == "" || err != nil || u.Scheme == "" || seen[e.ID] {
			t.Errorf("entry %d id %q is not a unique absolute IRI", i, e.ID)
		}
		seen[e.ID] = true
		if e.Title == "" {
			t.Errorf("entry %d has no title", i)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %d updated %q is not RFC 3339: %v", i, e.Updated, err)
		}
		// RFC 4287 4.1.1.1: an entry without an alternate link must have content.
		if len(e.Links) == 0 && e.Content.Body == "" {
			t.Errorf("entry %d has neither an alternate link nor content", i)
		}
	}
}

func TestAtomFeedEmptyAndUnknown(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()

	resp := get(t, h, "/watches/quiet-watch_2.atom")
	raw := body(t, resp)
	var feed rfc4287Feed
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET quiet watch status = %d, want 200", resp.StatusCode)
	}
	if err := xml.Unmarshal([]byte(raw), &feed); err != nil {
		t.Fatal(err)
	}
	checkRequired(t, feed)
	if len(feed.Entries) != 0 || feed.Updated != "2026-03-14T09:00:00Z" {
		t.Errorf("quiet watch feed: %d entries, updated %q; want 0 and now", len(feed.Entries), feed.Updated)
	}
	if _, err := gofeed.NewParser().ParseString(raw); err != nil {
		t.Errorf("gofeed cannot parse the empty feed: %v", err)
	}

	for _, target := range []string{
		"/watches/.atom", "/watches/acme.rss", "/watches/acme", "/watches/a%20b.atom",
		"/watches/%3Cscript%3E.atom", "/watches/...atom", "/watches/acme.atom/x",
	} {
		if resp := get(t, h, target); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s status = %d, want 404", target, resp.StatusCode)
		}
	}
}

// FuzzAtomEntry feeds hostile alerts through the feed writer: the
// output must always be well-formed XML that reads back with the same
// title, and its HTML content must hold no markup but <p> and <mark>.
func FuzzAtomEntry(f *testing.F) {
	f.Add(hostileTitle, hostileSnippet, "javascript:alert(1)", 29, 33)
	f.Add("a\x00b\x1b]0;x\a", "\xff\xfe<mark>", "https://x.example/?a=<b>", 0, 3)
	f.Add("]]>", "&amp; &#x3c;", "HTTP://X", 1, 2)
	f.Fuzz(func(t *testing.T, title, snippet, link string, start, end int) {
		a := news.Alert{ID: "nh_x", Watch: "w", Source: "s", URL: link, Title: title, Snippet: snippet,
			Found: t0, Highlights: []news.Span{{Start: start, End: end}}}
		entry := buildEntry(a, t0)
		raw, err := xml.Marshal(entry)
		if err != nil {
			t.Fatalf("marshal entry: %v", err)
		}
		var back struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
			Links   []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		}
		if err := xml.Unmarshal(raw, &back); err != nil {
			t.Fatalf("entry is not well-formed: %v\n%s", err, raw)
		}
		if back.Title != entry.Title.Body {
			t.Errorf("title read back %q, want %q", back.Title, entry.Title.Body)
		}
		if entry.Content.Type == "html" {
			rest := strings.NewReplacer("<p>", "", "</p>", "", "<mark>", "", "</mark>", "").Replace(back.Content)
			if strings.ContainsAny(rest, "<>") {
				t.Errorf("html content %q holds markup beyond <p> and <mark>", back.Content)
			}
		}
		for _, l := range back.Links {
			if u, err := url.Parse(l.Href); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				t.Errorf("link %q is not http(s)", l.Href)
			}
		}
	})
}
