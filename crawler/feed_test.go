package crawler

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// goldenItem is an item plus the identity the crawler derives from it, as
// stored in the golden files.
type goldenItem struct {
	Link      string    `json:"link,omitempty"`
	GUID      string    `json:"guid,omitempty"`
	Title     string    `json:"title,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Modified  time.Time `json:"modified,omitzero"`
	Lookup    string    `json:"lookup"`
	Fetch     string    `json:"fetch,omitempty"`
	GUIDKey   string    `json:"guid_key,omitempty"`
}

func goldenItems(t *testing.T, source string, items []item) []byte {
	t.Helper()
	out := make([]goldenItem, len(items))
	for i, it := range items {
		id := identify(source, it)
		out[i] = goldenItem{it.Link, it.GUID, it.Title, it.Summary, it.Published, it.Modified, id.lookup, id.fetch, id.guidKey}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestParseFeedGolden(t *testing.T) {
	for _, name := range []string{"rss2.xml", "atom.xml", "rdf.xml", "jsonfeed.json"} {
		t.Run(name, func(t *testing.T) {
			base := mustParse(t, "https://courier.example/feeds/"+name)
			items, _, err := parseFeed(readTestdata(t, "feed/"+name), "application/xml", base)
			if err != nil {
				t.Fatalf("parseFeed(%q) error: %v", name, err)
			}
			path := filepath.Join("testdata", "feed", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
			checkGolden(t, path, goldenItems(t, "src", items))
		})
	}
}

// arabicFeed renders testdata/feed/arabic.xml.tmpl in windows-1256 with
// the given encoding attribute in its XML declaration.
func arabicFeed(t testing.TB, encodingAttr string) []byte {
	t.Helper()
	src := strings.Replace(string(readTestdata(t, "feed/arabic.xml.tmpl")), "{{ENCODING}}", encodingAttr, 1)
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFeedCharset(t *testing.T) {
	tests := []struct {
		name, encodingAttr, contentType string
	}{
		{"prolog only", ` encoding="windows-1256"`, "application/rss+xml"},
		{"header only", "", "application/rss+xml; charset=windows-1256"},
		{"header and prolog", ` encoding="windows-1256"`, "text/xml; charset=windows-1256"},
	}
	for _, tt := range tests {
		items, _, err := parseFeed(arabicFeed(t, tt.encodingAttr), tt.contentType, nil)
		if err != nil {
			t.Fatalf("parseFeed(%s) error: %v", tt.name, err)
		}
		if len(items) != 1 {
			t.Fatalf("parseFeed(%s) = %d items, want 1", tt.name, len(items))
		}
		if got, want := items[0].Title, "قوات الأمن تداهم مخيم الهول"; got != want {
			t.Errorf("parseFeed(%s) title = %q, want %q", tt.name, got, want)
		}
		if got, want := items[0].Summary, "داهمت قوات الأمن مخيم الهول يوم الثلاثاء."; got != want {
			t.Errorf("parseFeed(%s) summary = %q, want %q", tt.name, got, want)
		}
	}
}

func TestParseFeedErrors(t *testing.T) {
	rss := string(readTestdata(t, "feed/rss2.xml"))
	tests := []struct {
		name, body string
	}{
		{"truncated", rss[:len(rss)/2]},
		{"not a feed", "<html><body>hello</body></html>"},
		{"empty", ""},
		{"broken json", `{"version": "https://jsonfeed.org/version/1.1", "items": [`},
	}
	for _, tt := range tests {
		items, _, err := parseFeed([]byte(tt.body), "application/xml", nil)
		if err == nil {
			t.Errorf("parseFeed(%s) = %d items, nil error; want an error", tt.name, len(items))
		} else if !strings.HasPrefix(err.Error(), "parse feed: ") {
			t.Errorf("parseFeed(%s) error = %q, want it prefixed with \"parse feed: \"", tt.name, err)
		}
	}
}

// TestParseFeedTolerates pins gofeed's leniency, which newshound keeps on
// purpose: a stray control character or an HTML entity such as &nbsp; in
// one item must not make a whole news feed unreadable.
func TestParseFeedTolerates(t *testing.T) {
	const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>` +
		`<item><title>a` + "\x01" + `b&nbsp;c &undeclared; d</title><link>https://e.example/a</link></item></channel></rss>`
	items, _, err := parseFeed([]byte(feed), "application/rss+xml", nil)
	if err != nil {
		t.Fatalf("parseFeed(control character, entities) error: %v", err)
	}
	if len(items) != 1 || items[0].Title != "ab c &undeclared; d" {
		t.Errorf("parseFeed(control character, entities) = %+v, want one item titled %q", items, "ab c &undeclared; d")
	}
}

func TestHTMLFragmentText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain   text\n\n second line ", "plain text\nsecond line"},
		{"<p>One <b>bold</b> word.</p><p>Two</p>", "One bold word.\nTwo"},
		{"al <em>Hol</em>", "al Hol"},
		{"Ra<b>qqa</b>", "Raqqa"},
		{"Tom &amp; Jerry", "Tom & Jerry"},
		{"a<br>b", "a\nb"},
		{"<script>alert(1)</script>text", "text"},
		{"<ul><li>one</li><li>two</li></ul>", "one\ntwo"},
		{"x<my-tag>y</my-tag>z", "xyz"},
	}
	for _, tt := range tests {
		if got := HTMLText(tt.in); got != tt.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWereApart(t *testing.T) {
	orig := "a United Nations official said Raqqa was calm"
	tests := []struct {
		left, right string
		want        bool
	}{
		{"a United Nations", "official", true},
		{"Ra", "qqa was", false},
		{"said ", "Raqqa", false}, // already spaced
		{"", "x", false},
		{"unknown", "words", false},
	}
	for _, tt := range tests {
		if got := wereApart(tt.left, tt.right, orig); got != tt.want {
			t.Errorf("wereApart(%q, %q) = %v, want %v", tt.left, tt.right, got, tt.want)
		}
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"rss2.xml", "atom.xml", "rdf.xml", "jsonfeed.json"} {
		f.Add(readTestdata(f, "feed/"+name), "application/xml")
	}
	f.Add(arabicFeed(f, ` encoding="windows-1256"`), "")
	f.Add([]byte(`<rss><channel><item><link>x</link></item>`), "text/xml; charset=koi8-r")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		items, _, err := parseFeed(body, contentType, mustParse(t, "https://example.com/feed"))
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Link != "" && !strings.HasPrefix(it.Link, "http") {
				t.Errorf("parseFeed: link %q is not http(s)", it.Link)
			}
			if !isValidUTF8(it.Title) || !isValidUTF8(it.Summary) {
				t.Errorf("parseFeed: title %q or summary is not valid UTF-8", it.Title)
			}
		}
	})
}

func FuzzHTMLFragmentText(f *testing.F) {
	f.Add("<p>One <b>bold</b> word.</p>")
	f.Add("a<br>b &amp; <table><tr><td>x</td></tr></table>")
	f.Fuzz(func(t *testing.T, s string) {
		got := HTMLText(s)
		if strings.Contains(got, "\n\n") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") {
			t.Errorf("HTMLText(%q) = %q: empty lines or untrimmed", s, got)
		}
	})
}

func BenchmarkParseFeed(b *testing.B) {
	body := readTestdata(b, "feed/rss2.xml")
	base := mustParse(b, "https://courier.example/feed")
	for b.Loop() {
		if _, _, err := parseFeed(body, "application/rss+xml", base); err != nil {
			b.Fatal(err)
		}
	}
}
