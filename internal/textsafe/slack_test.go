package textsafe

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// maxLinkBytes is the link limit the Slack channel uses.
const maxLinkBytes = 1000

func TestSlackEscape(t *testing.T) {
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
		if got := SlackEscape(tc.in); got != tc.want {
			t.Errorf("SlackEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// unescape reverses SlackEscape for the property check.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// checkInert fails when s is not inert mrkdwn (textsafe.SlackInert): a
// raw '<' or '>', or an '&' that begins none of the three entities.
func checkInert(t *testing.T, what, s string) {
	t.Helper()
	if i := SlackInert(s); i >= 0 {
		t.Errorf("%s is not inert mrkdwn at byte %d: %q", what, i, s)
	}
}

func FuzzSlackEscape(f *testing.F) {
	for _, s := range []string{"", "<!channel>", "<https://evil.example|bank>", "&amp;&", "\xff<", "الهول"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SlackEscape(s)
		checkInert(t, "SlackEscape output", got)
		if back := unescape(got); back != strings.ToValidUTF8(s, "\uFFFD") {
			t.Errorf("unescape(SlackEscape(%q)) = %q, want the input back", s, back)
		}
	})
}

func TestSlackText(t *testing.T) {
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
		got := SlackText(tc.in, tc.maxRunes, tc.out)
		if got != tc.want {
			t.Errorf("SlackText(%q, %d, %d) = %q, want %q", tc.in, tc.maxRunes, tc.out, got, tc.want)
		}
		if n := len(utf16.Encode([]rune(got))); n > tc.out {
			t.Errorf("SlackText(%q, %d, %d) is %d UTF-16 units long", tc.in, tc.maxRunes, tc.out, n)
		}
	}
}

func FuzzSlackText(f *testing.F) {
	f.Add("<!channel> & more", 10, 12)
	f.Add("😀<😀>&", 3, 7)
	f.Fuzz(func(t *testing.T, s string, maxRunes, maxOut int) {
		if maxRunes < 1 || maxRunes > 5000 || maxOut < 1 || maxOut > 5000 {
			return
		}
		got := SlackText(s, maxRunes, maxOut)
		checkInert(t, "SlackText output", got)
		if strings.ContainsAny(got, "\r\n\u2028\u2029") {
			t.Errorf("SlackText(%q) = %q spans lines", s, got)
		}
		if n := len(utf16.Encode([]rune(got))); n > maxOut {
			t.Errorf("SlackText(%q, %d, %d) is %d UTF-16 units long", s, maxRunes, maxOut, n)
		}
	})
}

func TestSlackLink(t *testing.T) {
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
		if got := SlackLink(tc.in, maxLinkBytes); got != tc.want {
			t.Errorf("SlackLink(%q, maxLinkBytes) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSlackLink(f *testing.F) {
	for _, s := range []string{"https://a.example/?a=1&b=2", "javascript:x", "http://h/|<>", "http://h/\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SlackLink(s, maxLinkBytes)
		if got == "" {
			return
		}
		if strings.ContainsAny(got, "|<> \"") || strings.IndexFunc(got, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
			t.Errorf("SlackLink(%q, maxLinkBytes) = %q holds a character that can escape the link", s, got)
		}
		checkInert(t, "SlackLink output", got)
		if l := strings.ToLower(got); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			t.Errorf("SlackLink(%q, maxLinkBytes) = %q is not http(s)", s, got)
		}
	})
}

func TestTruncateMrkdwn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"&lt;&gt;&amp;", 3, "&lt;&gt;&amp;"},
		{"&lt;&gt;&amp;xy", 3, "&lt;&gt;…"},
		{"a&amp", 3, "a&…"},
		{"bad\xff", 9, "bad\uFFFD"},
	} {
		if got := TruncateMrkdwn(tc.in, tc.n); got != tc.want {
			t.Errorf("TruncateMrkdwn(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestSlackInert(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", -1},
		{"a &amp; b &lt;c&gt;", -1},
		{"<!channel>", 0},
		{"x>", 1},
		{"a & b", 2},
		{"&amp;&ampx", 5},
	} {
		if got := SlackInert(tc.in); got != tc.want {
			t.Errorf("SlackInert(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
