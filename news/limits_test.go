package news

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClamp(t *testing.T) {
	huge := strings.Repeat("CENTCOM ", 2<<20) // 16 MiB
	arabic := strings.Repeat("الهول", MaxTextBytes)
	for _, tc := range []struct {
		name      string
		in        Article
		wantTitle int // runes
		wantText  int // bytes, at most
	}{
		{"small", Article{Title: "al Hol", Text: "text"}, 6, 4},
		{"huge title", Article{Title: huge, Text: "t"}, MaxTitleRunes, 1},
		{"huge text", Article{Title: "t", Text: huge}, 1, MaxTextBytes},
		{"multibyte text cut on a rune", Article{Title: "t", Text: arabic}, 1, MaxTextBytes},
	} {
		got := Clamp(tc.in)
		if n := utf8.RuneCountInString(got.Title); n != tc.wantTitle {
			t.Errorf("Clamp(%s).Title has %d runes, want %d", tc.name, n, tc.wantTitle)
		}
		if len(got.Text) > tc.wantText || !utf8.ValidString(got.Text) || strings.Contains(got.Text, "\uFFFD") {
			t.Errorf("Clamp(%s).Text: %d bytes, valid %v; want at most %d valid bytes", tc.name, len(got.Text), utf8.ValidString(got.Text), tc.wantText)
		}
	}
}
