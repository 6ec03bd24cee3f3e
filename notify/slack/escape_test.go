package slack

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<https://evil.example|bank>", "&lt;https://evil.example|bank&gt;"},
		{"a & b", "a &amp; b"},
		{"&amp;", "&amp;amp;"},
		{"&lt;!here&gt;", "&amp;lt;!here&amp;gt;"},
		{"الهول <x>", "الهول &lt;x&gt;"},
		{"bad \xff", "bad \uFFFD"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// unescape reverses Escape for the property check.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// checkInert fails when s holds a raw '<' or '>' or an '&' that does not
// begin one of the three entities.
func checkInert(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "<>") {
		t.Errorf("%s contains raw < or >: %q", what, s)
	}
	for i := strings.IndexByte(s, '&'); i >= 0; {
		rest := s[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Errorf("%s has an & that begins no entity at byte %d: %q", what, i, s)
			return
		}
		next := strings.IndexByte(s[i+1:], '&')
		if next < 0 {
			break
		}
		i += 1 + next
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "<!channel>", "<https://evil.example|bank>", "&amp;&", "\xff<", "الهول"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		checkInert(t, "Escape output", got)
		if back := unescape(got); back != strings.ToValidUTF8(s, "\uFFFD") {
			t.Errorf("unescape(Escape(%q)) = %q, want the input back", s, back)
		}
	})
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		in            string
		maxRunes, out int
		want          string
	}{
		{"a\r\nb\tc\u2028d", 50, 50, "a  b c d"},
		{"abcdef", 4, 50, "abc…"},
		{"a<b", 50, 5, "a…"},     // "&lt;" would overflow: never split an entity
		{"a<b", 50, 6, "a&lt;…"}, // 1+4 units, then the cut
		{"😀😀😀", 50, 4, "😀…"},     // emoji count two UTF-16 units
	} {
		got := text(tc.in, tc.maxRunes, tc.out)
		if got != tc.want {
			t.Errorf("text(%q, %d, %d) = %q, want %q", tc.in, tc.maxRunes, tc.out, got, tc.want)
		}
		if n := len(utf16.Encode([]rune(got))); n > tc.out {
			t.Errorf("text(%q, %d, %d) is %d UTF-16 units long", tc.in, tc.maxRunes, tc.out, n)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add("<!channel> & more", 10, 12)
	f.Add("😀<😀>&", 3, 7)
	f.Fuzz(func(t *testing.T, s string, maxRunes, maxOut int) {
		if maxRunes < 1 || maxRunes > 5000 || maxOut < 1 || maxOut > 5000 {
			return
		}
		got := text(s, maxRunes, maxOut)
		checkInert(t, "text output", got)
		if strings.ContainsAny(got, "\r\n\u2028\u2029") {
			t.Errorf("text(%q) = %q spans lines", s, got)
		}
		if n := len(utf16.Encode([]rune(got))); n > maxOut {
			t.Errorf("text(%q, %d, %d) is %d UTF-16 units long", s, maxRunes, maxOut, n)
		}
	})
}

func TestLinkTarget(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://news.example/a?x=1&y=2", "https://news.example/a?x=1&amp;y=2"},
		{"HTTP://news.example/", "HTTP://news.example/"},
		{"https://news.example/a|b<c>d", "https://news.example/a%7Cb%3Cc%3Ed"},
		{"https://news.example/a b\"c", "https://news.example/a%20b%22c"},
		{"https://news.example/الهول", "https://news.example/%D8%A7%D9%84%D9%87%D9%88%D9%84"},
		{"javascript:alert(1)//https://news.example", ""},
		{"mailto:x@news.example", ""},
		{"data:text/html,<script>", ""},
		{"/relative/path", ""},
		{"https:///no-host", ""},
		{"https://news.example/\x00", ""}, // url.Parse refuses control bytes
		{"https://news.example/" + strings.Repeat("a", maxLinkBytes), ""},
	} {
		if got := linkTarget(tc.in); got != tc.want {
			t.Errorf("linkTarget(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzLinkTarget(f *testing.F) {
	for _, s := range []string{"https://a.example/?a=1&b=2", "javascript:x", "http://h/|<>", "http://h/\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := linkTarget(s)
		if got == "" {
			return
		}
		if strings.ContainsAny(got, "|<> \"") || strings.IndexFunc(got, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
			t.Errorf("linkTarget(%q) = %q holds a character that can escape the link", s, got)
		}
		checkInert(t, "linkTarget output", got)
		if l := strings.ToLower(got); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			t.Errorf("linkTarget(%q) = %q is not http(s)", s, got)
		}
	})
}
