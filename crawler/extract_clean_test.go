package crawler

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// cleanStory is a story long enough that trafilatura keeps its container.
var cleanStory = []string{
	"Security forces raided the al Hol camp in north-east Syria on Tuesday and detained dozens of people suspected of links to armed groups, officials said.",
	"The regional command said in a statement that the operation began before dawn and involved several hundred personnel and armoured vehicles.",
	"Residents described hearing loudspeakers ordering families to stay inside their tents while the search went on through the morning hours.",
	"Aid groups said the raid had interrupted the distribution of water and food, and asked for guarantees that deliveries would resume within days.",
}

func cleanPage(head, afterH1, between string) string {
	var b strings.Builder
	b.WriteString("<html><head><title>Raid on al Hol camp</title>" + head + "</head><body><nav><a href=\"/\">Home</a></nav><article><h1>Raid on al Hol camp</h1>")
	b.WriteString(afterH1)
	for i, p := range cleanStory {
		b.WriteString("<p>" + p + "</p>")
		if i == 1 {
			b.WriteString(between)
		}
	}
	b.WriteString("</article><footer>Wombat desk</footer></body></html>")
	return b.String()
}

// TestExtractArticleLinkLinesAndStandfirst: paragraphs that are links to
// other stories and a standfirst heading that repeats the description are
// not the story's text; a paragraph with a link in it, a short citation
// link and a lead paragraph that repeats the description are.
func TestExtractArticleLinkLinesAndStandfirst(t *testing.T) {
	const dek = "Dozens were detained in a dawn operation at the camp."
	desc := `<meta name="description" content="` + dek + `">`
	tests := []struct {
		name         string
		page         string
		want, absent []string
	}{
		{"link paragraph", cleanPage("", "", `<p><strong><a href="/other">SEAN SPICER ELIMINATED FROM THE SHOW</a></strong></p>`),
			cleanStory, []string{"SPICER"}},
		{"links with labels", cleanPage("", "", `<p><a href="/a">China furious at Macron</a> [INSIGHT] | <a href="/b">Lakers make final decision on game</a> [VIDEO]</p>`),
			cleanStory, []string{"Macron", "Lakers"}},
		{"paragraph with a link kept", cleanPage("", "", `<p>The ministry <a href="/statement">published a statement</a> on the raid late on Tuesday evening, calling it a success.</p>`),
			append([]string{"published a statement on the raid"}, cleanStory...), nil},
		{"standfirst heading dropped", cleanPage(desc, "<h2>"+dek+"</h2>", ""),
			cleanStory, []string{dek}},
		{"lead paragraph kept", cleanPage(desc, "<p>"+dek+"</p>", ""),
			append([]string{dek}, cleanStory...), nil},
		{"heading without description kept", cleanPage("", "<h2>"+dek+"</h2>", ""),
			append([]string{dek}, cleanStory...), nil},
	}
	for _, tt := range tests {
		art, err := ExtractArticle("https://courier.example/raid", []byte(tt.page), "text/html; charset=utf-8")
		if err != nil {
			t.Fatalf("ExtractArticle(%s) error: %v", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(art.Text, w) {
				t.Errorf("ExtractArticle(%s).Text lacks %q; text:\n%s", tt.name, w, art.Text)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(art.Text, a) {
				t.Errorf("ExtractArticle(%s).Text contains %q; text:\n%s", tt.name, a, art.Text)
			}
		}
	}
}

func TestDropLinkLines(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<p><a href="/x">Another story about the weather</a></p><p><a>Not a link at all, no href</a></p><p><a href="https://wired.example/x">[Wired]</a></p><p><a href="/y">Three words here</a> and a lot more text that is the paragraph's own.</p>`))
	if err != nil {
		t.Fatal(err)
	}
	links := readPageLines(doc).links
	tests := []struct{ in, want string }{
		{"Story.\nAnother story about the weather\nMore story.", "Story.\nMore story."},
		// Spacing and punctuation may differ from the page's rendering.
		{"Story.\nAnother story about the  weather.", "Story."},
		// A short citation is the story's.
		{"Story.\n[Wired]", "Story.\n[Wired]"},
		{"Story.\nNot a link at all, no href", "Story.\nNot a link at all, no href"},
		{"Three words here and a lot more text that is the paragraph's own.", "Three words here and a lot more text that is the paragraph's own."},
		// Nothing but link lines: kept, rather than an empty text.
		{"Another story about the weather", "Another story about the weather"},
	}
	for _, tt := range tests {
		if got := dropLinkLines(tt.in, links); got != tt.want {
			t.Errorf("dropLinkLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDropStandfirst(t *testing.T) {
	subheads := map[string]bool{lineKey("A summary of the story."): true, lineKey("Section two"): true}
	descs := []string{"A summary of the story.", "Section two"}
	tests := []struct{ in, want string }{
		{"A summary of the story.\nStory.", "Story."},
		{"Kicker\nHeadline\nA summary of the story.\nStory.", "Kicker\nHeadline\nStory."},
		// Past the first lines a heading is the story's own.
		{"One.\nTwo.\nThree.\nSection two\nStory.", "One.\nTwo.\nThree.\nSection two\nStory."},
		// The only line is kept.
		{"A summary of the story.", "A summary of the story."},
		{"Story.\nA different heading", "Story.\nA different heading"},
	}
	for _, tt := range tests {
		if got := dropStandfirst(tt.in, subheads, descs); got != tt.want {
			t.Errorf("dropStandfirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := dropStandfirst("A summary of the story.\nStory.", subheads, nil); got != "A summary of the story.\nStory." {
		t.Errorf("dropStandfirst without descriptions = %q, want it unchanged", got)
	}
}

func TestDropBylines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"by Jeff Foust\nStory.\nMore story.", "Story.\nMore story."},
		{"Published 18 November 2019\nStory.", "Story."},
		{"Story.\nMore story.\nUpdated at 1:23 p.m.", "Story.\nMore story."},
		// In the middle of the story: its own text.
		{"One.\nTwo.\nThree.\nBy the numbers\nFour.", "One.\nTwo.\nThree.\nBy the numbers\nFour."},
		// A sentence, not a byline; a timestamp without a date or time.
		{"By Tuesday, the camp was empty.\nStory.", "By Tuesday, the camp was empty.\nStory."},
		{"Updated guidance followed\nStory.", "Updated guidance followed\nStory."},
		{"Published on the site, then withdrawn after a day of complaints from readers in 2019\nStory.",
			"Published on the site, then withdrawn after a day of complaints from readers in 2019\nStory."},
		// The only line is kept.
		{"by Jeff Foust", "by Jeff Foust"},
		{"by Jeff Foust\nUpdated 1 May", "by Jeff Foust\nUpdated 1 May"},
	}
	for _, tt := range tests {
		if got := dropBylines(tt.in); got != tt.want {
			t.Errorf("dropBylines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
