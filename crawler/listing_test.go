package crawler

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseListingGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/listing/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no listing pages: %v", err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".html")
		t.Run(name, func(t *testing.T) {
			selector := strings.TrimSpace(string(readTestdata(t, "listing/"+name+".selector")))
			pageURL := mustParse(t, "https://news.example/latest/index.html")
			items, _, err := parseListing(readTestdata(t, "listing/"+name+".html"), "text/html", pageURL, selector)
			if err != nil {
				t.Fatalf("parseListing(%q, %q) error: %v", name, selector, err)
			}
			checkGolden(t, strings.TrimSuffix(path, ".html")+".golden.json", goldenItems(t, "src", items))
		})
	}
}

func TestParseListingSelectorErrors(t *testing.T) {
	for _, sel := range []string{"", "   ", "a[", "div >", ":nope(x)"} {
		_, _, err := parseListing([]byte("<a href=/x>x</a>"), "text/html", mustParse(t, "https://e.example/"), sel)
		if err == nil || !strings.Contains(err.Error(), "links selector") {
			t.Errorf("parseListing(selector %q) error = %v, want a links selector error", sel, err)
		}
	}
}

func TestParseListingNoMatch(t *testing.T) {
	items, _, err := parseListing([]byte("<p>nothing</p>"), "text/html", mustParse(t, "https://e.example/"), "a.story")
	if err != nil || len(items) != 0 {
		t.Errorf("parseListing(no match) = %v, %v; want no items and no error", items, err)
	}
}

func FuzzParseListing(f *testing.F) {
	f.Add(readTestdata(f, "listing/front.html"), ".teaser h2")
	f.Add(readTestdata(f, "listing/container.html"), "#latest li")
	f.Add([]byte(`<base href="javascript:x"><a href="%zz">x</a><a href="//h/p">y</a>`), "a")
	f.Fuzz(func(t *testing.T, body []byte, selector string) {
		items, _, err := parseListing(body, "text/html", mustParse(t, "https://e.example/dir/page"), selector)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, it := range items {
			key, err := Canonicalize(it.Link)
			if err != nil {
				t.Errorf("parseListing: link %q does not canonicalize: %v", it.Link, err)
			}
			if seen[key] {
				t.Errorf("parseListing: %q listed twice", key)
			}
			seen[key] = true
		}
	})
}
