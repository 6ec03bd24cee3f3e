package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"abcdef", 4, "abc…"},
		{"الهول مخيم", 4, "اله…"},
		{"bad \xff byte", 20, "bad \uFFFD byte"},
		{"", 5, ""},
		{"eleven runes", 10, "eleven ru…"},
		{"الهول الهول", 6, "الهول…"},
		{"ab\xff\xffcd", 4, "ab\uFFFD…"},
	} {
		if got := Truncate(tc.in, tc.max); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestTruncateProperties: the result is valid UTF-8 and at most max runes.
func TestTruncateProperties(t *testing.T) {
	for _, s := range []string{"", "a", strings.Repeat("é", 50), "\xff\xfe" + strings.Repeat("x", 30)} {
		for _, max := range []int{1, 2, 10, 40} {
			got := Truncate(s, max)
			if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max {
				t.Errorf("Truncate(%q, %d) = %q, want valid UTF-8 of at most %d runes", s, max, got, max)
			}
		}
	}
}

func TestFlatten(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\r\nb", "a  b"},
		{"\x1b[31mred", " [31mred"},
		{"gnp\u202eexe\u2066x\u200f", "gnp exe x "},
		{"tab\tand\x7fdel", "tab and del"},
		{"nel\u0085ls\u2028ps\u2029", "nel ls ps "},
		{"bad\xff", "bad\uFFFD"},
		{"الهول", "الهول"},
	} {
		if got := Flatten(tc.in); got != tc.want {
			t.Errorf("Flatten(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzFlatten(f *testing.F) {
	for _, s := range []string{"a\r\nb", "\x1b]0;x\x07", "x\u202ey", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Flatten(s) {
			if r < ' ' || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' || IsBidiControl(r) {
				t.Fatalf("Flatten(%q) keeps %U", s, r)
			}
		}
	})
}

func TestStripBidi(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061cx", "x"},
		{"line\nbreak\tkept", "line\nbreak\tkept"},
		{"الهول", "الهول"},
	}
	for _, tt := range tests {
		if got := StripBidi(tt.in); got != tt.want {
			t.Errorf("StripBidi(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
