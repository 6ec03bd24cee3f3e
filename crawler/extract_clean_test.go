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

// TestExtractArticleLinkLinesAndStandfirst: paragraphs and lists that are
// links to other stories, boxes only one extractor keeps and a standfirst
// heading that repeats the description are not the story's text; a
// paragraph with a link in it, a list of the story's own, a short citation
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
		{"list of links", cleanPage("", "", `<ul><li><a href="/a">Floods close the coast road again</a></li><li><a href="/b">Council votes on the new budget</a></li></ul>`),
			cleanStory, []string{"Floods", "Council"}},
		{"story's own list kept", cleanPage("", "", `<ul><li>Water trucks were turned back at the gate.</li><li>Clinics closed for the day, <a href="/who">the WHO said</a>.</li></ul>`),
			append([]string{"Water trucks were turned back", "Clinics closed for the day, the WHO said"}, cleanStory...), nil},
		// Boxes trafilatura keeps and readability leaves out (keepAgreed).
		{"cookie box", cleanPage("", "", `<div class="gdpr"><p>We use cookies to give you the best experience on our site.</p></div>`),
			cleanStory, []string{"cookies"}},
		{"newsletter pop-up", cleanPage("", "", `<div class="popup"><p>Get our morning briefing in your inbox every day.</p></div>`),
			cleanStory, []string{"briefing"}},
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
		// Reporting credits under the story.
		{"Story.\nMore story.\nAP writers Jane Doe and John Roe contributed to this report.", "Story.\nMore story."},
		{"Story.\nMore story.\n(Reporting by Jane Doe; Editing by John Roe)\nOur standards: The Trust Principles.", "Story.\nMore story.\nOur standards: The Trust Principles."},
		{"Story.\nMore story.\nJane Doe contributed reporting from Kabul.", "Story.\nMore story."},
		// A credit-like phrase inside the story, or in a long paragraph.
		{"Reporting by the agency was disputed.\nStory.\nMore story.\nEnd.", "Reporting by the agency was disputed.\nStory.\nMore story.\nEnd."},
		{"Story.\n" + strings.Repeat("word ", 40) + "contributed to this report.", "Story.\n" + strings.Repeat("word ", 40) + "contributed to this report."},
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

func TestKeepAgreed(t *testing.T) {
	const other = "Story one.\nStory two, with a quote.\nStory three."
	tests := []struct{ name, in, other, want string }{
		{"furniture only trafilatura kept", "Story one.\nSign up for our newsletter\nStory two, with a quote.\nStory three.", other,
			"Story one.\nStory two, with a quote.\nStory three."},
		{"edges", "You must log in to comment\nStory one.\nStory two, with a quote.\nStory three.\nMore from the desk", other,
			"Story one.\nStory two, with a quote.\nStory three."},
		// Spacing, punctuation and line breaks may differ between the
		// extractors' renderings.
		{"rendering differs", "Story one\nStory two,  with a quote\nStory three.", "Story one. Story two with a quote.\n\nStory three!",
			"Story one\nStory two,  with a quote\nStory three."},
		{"all agreed", "Story one.\nStory three.", other, "Story one.\nStory three."},
		// Readability found nothing: nothing to agree with.
		{"no other", "Story one.\nSign up", "", "Story one.\nSign up"},
		{"other without words", "Story one.\nSign up", " … — ", "Story one.\nSign up"},
		// Readability chose another part of the page: more than half of
		// the text would go, so neither is trusted.
		{"disagree on the story", "Story one.\nA long paragraph that readability did not find at all.\nAnother such paragraph, also long.", other,
			"Story one.\nA long paragraph that readability did not find at all.\nAnother such paragraph, also long."},
		// Not keyed on any language's words.
		{"arabic", "قالت الوزارة إن العملية بدأت فجرا.\nاشترك في النشرة البريدية\nوأضافت أن المساعدات ستستأنف.", "قالت الوزارة إن العملية بدأت فجرا.\nوأضافت أن المساعدات ستستأنف.",
			"قالت الوزارة إن العملية بدأت فجرا.\nوأضافت أن المساعدات ستستأنف."},
	}
	for _, tt := range tests {
		if got := keepAgreed(tt.in, tt.other); got != tt.want {
			t.Errorf("keepAgreed(%s: %q, %q) = %q, want %q", tt.name, tt.in, tt.other, got, tt.want)
		}
	}
}

func TestLinkLists(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`
<ul><li><a href="/a">Floods close the coast road again</a></li><li><a href="/b">Council votes on the new budget</a></li></ul>
<ol><li>Bring water and a hat for the walk.</li><li><a href="/c">Book a place on the guided tour</a></li></ol>
<ul><li><a href="/d">The only item of its list</a></li></ul>
<ul><li><a href="/e">الفيضانات تغلق الطريق الساحلي</a></li><li><a href="/f">المجلس يصوت على الميزانية</a></li></ul>
<ul><li><a href="/g">Outer list item with a link</a><ul><li><a href="/h">Nested item one is linked</a></li><li>Nested item two is plain text</li></ul></li></ul>`))
	if err != nil {
		t.Fatal(err)
	}
	links := readPageLines(doc).links
	tests := []struct {
		line string
		want bool
	}{
		{"Floods close the coast road again", true},
		{"Council votes on the new budget", true},
		// A story's own list with one linked item among plain ones.
		{"Book a place on the guided tour", false},
		{"Bring water and a hat for the walk.", false},
		// One linked item is not a list of other stories.
		{"The only item of its list", false},
		// Structural, so any language.
		{"الفيضانات تغلق الطريق الساحلي", true},
		{"Nested item one is linked", false},
	}
	for _, tt := range tests {
		if got := links[lineKey(tt.line)]; got != tt.want {
			t.Errorf("readPageLines(...).links[%q] = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestTagLines(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`
<p>Filed under: <a rel="category tag" href="/c/syria">Syria</a> | <a rel="tag" href="/t/camps">Camps</a></p>
<div><span>Schlagwörter:</span> <a rel="tag" href="/t/politik">Politik</a>, <a rel="tag" href="/t/wahlen">Wahlen</a></div>
<div>الوسوم: <a rel="tag" href="/t/1">سوريا</a></div>
<p>The camp, <a rel="tag" href="/t/camps">which we have covered before</a>, held some sixty thousand people at the time.</p>
<p>Tags: <a rel="tag" href="/t/a">Aid</a>, and see <a href="/other">here</a></p>
<p>Topics: Aid, Syria</p>`))
	if err != nil {
		t.Fatal(err)
	}
	links := readPageLines(doc).links
	tests := []struct {
		line string
		want bool
	}{
		{"Filed under: Syria | Camps", true},
		{"Schlagwörter: Politik, Wahlen", true},
		{"الوسوم: سوريا", true},
		// A sentence with a tag link in it is the story's.
		{"The camp, which we have covered before, held some sixty thousand people at the time.", false},
		// Other links: not (only) a tag line.
		{"Tags: Aid, and see here", false},
		// No rel=tag links: nothing says it is a tag line.
		{"Topics: Aid, Syria", false},
	}
	for _, tt := range tests {
		if got := links[lineKey(tt.line)]; got != tt.want {
			t.Errorf("readPageLines(...).links[%q] = %v, want %v", tt.line, got, tt.want)
		}
	}
}
