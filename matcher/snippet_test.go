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

// FuzzSnippet checks the snippet against the issue-2 implementation kept
// in snippet_ref_test.go, for a hit anywhere in any text, and that a
// highlight of the hit covers its collapsed form.
func FuzzSnippet(f *testing.F) {
	long := strings.Repeat("word ", 100) + "ISIS" + strings.Repeat(" word", 100)
	for _, s := range []string{
		"First sentence. Second with ISIS in it! Third one.",
		"He met U.S. officials about ISIS. Then he left.",
		"Headline without a stop\n\nISIS struck today\nand left",
		"  ISIS   was\n\tthere\x00 too.  ",
		"قال المسؤول. الهول مخيم كبير؟ نعم.",
		"bad \xff bytes ISIS",
		long,
		strings.Repeat("ISIS ", 400),
		"Before. " + strings.Repeat("ab ", 200) + "after.",
		"twelve bytes  then two spaces", "seven b\x01ytes", "eight by  tes", "é plain ascii after é",
	} {
		f.Add(s, uint16(len(s)/2), uint16(4))
	}
	f.Fuzz(func(t *testing.T, s string, at, length uint16) {
		var c strings.Builder
		writeCollapsed(&c, s)
		if ok, runes := plain(s); ok && (c.String() != s || runes != utf8.RuneCountInString(s)) {
			t.Fatalf("plain(%q) = true, %d runes, but it collapses to %q", s, runes, c.String())
		}
		hs, he, ok := hitAt(s, int(at), int(length))
		if !ok {
			return
		}
		sn := makeSnippet(s, hs, he)
		if want := refSnippet(s, hs, he); sn.text != want {
			t.Fatalf("snippet(%q, %d, %d) = %q, want %q", s, hs, he, sn.text, want)
		}
		hl := sn.highlights(s, []span{{hs, he}})
		if sn.giant {
			return
		}
		var b strings.Builder
		writeCollapsed(&b, s[hs:he])
		if len(hl) != 1 || sn.text[hl[0].Start:hl[0].End] != b.String() {
			t.Fatalf("snippet(%q, %d, %d) = %q: highlights %v, want one of %q", s, hs, he, sn.text, hl, b.String())
		}
	})
}

// hitAt moves [at, at+length) of s to rune boundaries, starting and ending
// with a non-blank rune, as a hit does.
func hitAt(s string, at, length int) (hs, he int, ok bool) {
	if len(s) == 0 {
		return 0, 0, false
	}
	hs = at % len(s)
	for hs > 0 && !utf8.RuneStart(s[hs]) {
		hs--
	}
	for hs < len(s) {
		if r, n := utf8.DecodeRuneInString(s[hs:]); !isBlank(r) {
			break
		} else {
			hs += n
		}
	}
	if hs == len(s) {
		return 0, 0, false
	}
	he = min(len(s), hs+1+length%64)
	for he < len(s) && !utf8.RuneStart(s[he]) {
		he++
	}
	for he > hs {
		if r, n := utf8.DecodeLastRuneInString(s[hs:he]); !isBlank(r) {
			break
		} else {
			he -= n
		}
	}
	return hs, he, he > hs
}
