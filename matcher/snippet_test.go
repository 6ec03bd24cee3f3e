package matcher

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSnippet(t *testing.T) {
	long := strings.Repeat("word ", 100) + "ISIS" + strings.Repeat(" word", 100)
	longLeft := strings.Repeat("word ", 100) + "ISIS ends here. Next."
	tests := []struct {
		text, hit string // the hit is the first occurrence of hit in text
		want      string
	}{
		{"ISIS", "ISIS", "ISIS"},
		{"First sentence. Second with ISIS in it! Third one.", "ISIS", "Second with ISIS in it!"},
		{"He met U.S. officials about ISIS. Then he left.", "ISIS", "He met U.S. officials about ISIS."},
		{"He met U.S. officials about ISIS. Then he left.", "U.S", "He met U.S. officials about ISIS."},
		{"See e.g. the ISIS report. Next.", "ISIS", "See e.g. the ISIS report."},
		{"It ended. then ISIS came. Later.", "ISIS", "It ended. then ISIS came."},
		{`Before. He said "ISIS is here." Then left.`, "ISIS", `He said "ISIS is here."`},
		{"Headline without a stop\n\nISIS struck today\nand left", "ISIS", "ISIS struck today and left"},
		{"  ISIS   was\n\tthere\x00 too.  ", "ISIS", "ISIS was there too."},
		{"Is it ISIS? Yes.", "ISIS", "Is it ISIS?"},
		{"قال المسؤول. الهول مخيم كبير؟ نعم.", "الهول", "الهول مخيم كبير؟"},
		{"bad \xff bytes ISIS", "ISIS", "bad \uFFFD bytes ISIS"},
		// A sentence longer than the limit is cut around the hit at word
		// boundaries, with an ellipsis on each cut side.
		{long, "ISIS", "…" + strings.Repeat("word ", 29) + "ISIS" + strings.Repeat(" word", 29) + "…"},
		{longLeft, "ISIS", "…" + strings.Repeat("word ", 56) + "ISIS ends here."},
		{strings.Repeat("ISIS ", 400), "ISIS", strings.Repeat("ISIS ", 59) + "ISIS…"},
		{"ISIS" + strings.Repeat("x", 400), "ISIS", "ISIS…"},
	}
	for _, tt := range tests {
		hs := strings.Index(tt.text, tt.hit)
		got := snippet(tt.text, hs, hs+len(tt.hit))
		if got != tt.want {
			t.Errorf("snippet(%q, %q) = %q, want %q", tt.text, tt.hit, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > snippetMax || !utf8.ValidString(got) {
			t.Errorf("snippet(%q, %q) has %d runes, valid UTF-8 %v; want at most %d, valid", tt.text, tt.hit, n, utf8.ValidString(got), snippetMax)
		}
	}
}

// TestSnippetGiantHit checks a hit longer than the snippet limit.
func TestSnippetGiantHit(t *testing.T) {
	text := "Before. " + strings.Repeat("ab ", 200) + "after."
	got := snippet(text, len("Before. "), len(text)-len(" after."))
	want := strings.Repeat("ab ", 99) + "ab…"
	if got != want {
		t.Errorf("snippet(giant) = %q, want %q", got, want)
	}
}
