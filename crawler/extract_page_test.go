package crawler

import (
	"fmt"
	"strings"
	"testing"
)

func TestPrimaryLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"en", "en"},
		{"en-GB", "en"},
		{"pt_BR", "pt"},
		{" DE ", "de"},
		{"de, en", "de"},
		{"fil", "fil"},
		{"x-default", ""},
		{"*", ""},
		{"", ""},
		{"english", ""},
		{"e1", ""},
	}
	for _, tt := range tests {
		if got := primaryLanguage(tt.in); got != tt.want {
			t.Errorf("primaryLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzPrimaryLanguage(f *testing.F) {
	for _, s := range []string{"en-US", "pt_BR", "de, en", "x-default", "\xff\xfe", "ZH-hant-TW"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := primaryLanguage(s)
		if got == "" {
			return
		}
		if len(got) < 2 || len(got) > 3 || strings.ToLower(got) != got || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("primaryLanguage(%q) = %q, want 2-3 lower-case letters or empty", s, got)
		}
	})
}

// TestExtractPageLanguage: the language comes from <html lang>, else a
// content-language <meta>, else og:locale, else JSON-LD inLanguage, else
// what trafilatura detects in the text.
func TestExtractPageLanguage(t *testing.T) {
	body := "<p>" + strings.Repeat("The council approved the tram line extension after a long debate. ", 6) + "</p>"
	german := "<p>" + strings.Repeat("Der Gemeinderat hat die Verlängerung der Straßenbahn nach langer Debatte beschlossen. ", 6) + "</p>"
	tests := []struct {
		name, html, head, want string
		body                   string
	}{
		{"html lang", ` lang="fr-CA"`, ``, "fr", ""},
		{"http-equiv", ``, `<meta http-equiv="Content-Language" content="it">`, "it", ""},
		{"og:locale", ``, `<meta property="og:locale" content="es_ES">`, "es", ""},
		{"json-ld", ``, `<script type="application/ld+json">{"@type":"NewsArticle","inLanguage":"nl-BE"}</script>`, "nl", ""},
		{"html lang wins", ` lang="sv"`, `<meta property="og:locale" content="en_US">`, "sv", ""},
		{"detected en", ``, ``, "en", ""},
		{"detected de", ``, ``, "de", german},
	}
	for _, tt := range tests {
		b := body
		if tt.body != "" {
			b = tt.body
		}
		page := fmt.Sprintf("<!doctype html><html%s><head><title>Tram</title>%s</head><body><article>%s</article></body></html>", tt.html, tt.head, b)
		p, err := ExtractPage("https://courier.example/tram", []byte(page), "text/html")
		if err != nil {
			t.Fatalf("ExtractPage(%s) error: %v", tt.name, err)
		}
		if p.Language != tt.want {
			t.Errorf("ExtractPage(%s).Language = %q, want %q", tt.name, p.Language, tt.want)
		}
	}
}

// TestExtractPageCanonical: Canonical is rel=canonical as written,
// resolved against the page, even when it may not become the identity
// (here: relative).
func TestExtractPageCanonical(t *testing.T) {
	page := `<html><head><link rel="canonical" href="/world/tram-line"></head><body><article><p>` +
		strings.Repeat("The council approved the tram line extension after a long debate. ", 6) + `</p></article></body></html>`
	p, err := ExtractPage("https://courier.example/world/tram?utm_source=x", []byte(page), "text/html")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://courier.example/world/tram-line"; p.Canonical != want {
		t.Errorf("ExtractPage.Canonical = %q, want %q", p.Canonical, want)
	}
	if want := "https://courier.example/world/tram"; p.Article.URL != want {
		t.Errorf("ExtractPage.Article.URL = %q, want %q", p.Article.URL, want)
	}
}

// TestExtractShortTextAlternatives: when the visible story is a short
// teaser, a JSON-LD articleBody at least twice as long replaces it; one
// only a little longer does not (it is usually the teaser plus a
// caption).
func TestExtractShortTextAlternatives(t *testing.T) {
	teaser := "Dock workers at the container terminal walked out on Monday over pay, halting most traffic in the port."
	rest := strings.Repeat("Talks brokered by the labour ministry continued late into the night without agreement on the main demands. ", 6)
	tests := []struct {
		name   string
		ldBody string
		want   string
		absent string
	}{
		{"long articleBody", teaser + " " + rest, "Talks brokered by the labour ministry", ""},
		{"short articleBody", teaser + " A photo caption.", teaser, "A photo caption"},
		{"html articleBody", "<p>" + teaser + "</p><p>" + rest + "</p>", "Talks brokered", "<p>"},
	}
	for _, tt := range tests {
		ld := fmt.Sprintf(`{"@type":"NewsArticle","articleBody":%q}`, tt.ldBody)
		page := `<html><head><title>Port strike</title><script type="application/ld+json">` + ld +
			`</script></head><body><nav><a href="/">Home</a></nav><article><h1>Port strike</h1><p>` + teaser +
			`</p><div class="paywall">Subscribe to read more.</div></article></body></html>`
		art, err := ExtractArticle("https://courier.example/port", []byte(page), "text/html")
		if err != nil {
			t.Fatalf("ExtractArticle(%s) error: %v", tt.name, err)
		}
		if !strings.Contains(art.Text, tt.want) {
			t.Errorf("ExtractArticle(%s).Text lacks %q; text:\n%s", tt.name, tt.want, art.Text)
		}
		if tt.absent != "" && strings.Contains(art.Text, tt.absent) {
			t.Errorf("ExtractArticle(%s).Text contains %q; text:\n%s", tt.name, tt.absent, art.Text)
		}
	}
}

func TestDropPromoLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Story line one.\nREAD MORE: Another story\nStory line two.", "Story line one.\nStory line two."},
		{"Story.\nRelated: Seven strange signs\nDon’t miss\nClick here to get the app", "Story."},
		{"Story.\nContinue Reading Below\nMore story.", "Story.\nMore story."},
		// Capitals only are kept: a dateline, a results table.
		{"BAAR, SWITZERLAND\nStory.\nSMITH JONES BROWN GREEN 1:02.3", "BAAR, SWITZERLAND\nStory.\nSMITH JONES BROWN GREEN 1:02.3"},
		// A prefix in the middle of a line is story text.
		{"He said: read more books.", "He said: read more books."},
		// Nothing but promotion: kept, rather than an empty text.
		{"Read more: elsewhere", "Read more: elsewhere"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := dropPromoLines(tt.in); got != tt.want {
			t.Errorf("dropPromoLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
