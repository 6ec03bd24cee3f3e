package crawler

import (
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://example.com/a", "https://example.com/a"},
		{"HTTPS://Example.COM/Path/Keeps/Case", "https://example.com/Path/Keeps/Case"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"https://example.com:8443/a", "https://example.com:8443/a"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"https://example.com:/a", "https://example.com/a"},
		{"https://example.com", "https://example.com/"},
		{"https://example.com?b=1", "https://example.com/?b=1"},
		{"https://example.com/a#section-2", "https://example.com/a"},
		{"https://example.com/a?", "https://example.com/a"},
		{"https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.com/a"},
		{"https://example.com/a?id=7&utm_source=rss", "https://example.com/a?id=7"},
		{"https://example.com/a?UTM_Source=rss&id=7", "https://example.com/a?id=7"},
		{"https://example.com/a?fbclid=abc&gclid=def&dclid=g&msclkid=h&mc_cid=i&mc_eid=j&igshid=k&_ga=l&ref_src=m&yclid=n", "https://example.com/a"},
		{"https://example.com/a?z=1&a=2&m=3", "https://example.com/a?a=2&m=3&z=1"},
		{"https://example.com/a?b=2&a=1&b=1", "https://example.com/a?a=1&b=2&b=1"}, // repeated name keeps value order
		{"https://example.com/a?q=caf%C3%A9+bar&x=%2F", "https://example.com/a?q=caf%C3%A9+bar&x=%2F"},
		{"https://example.com/a?utm%5Fsource=x&k=v", "https://example.com/a?k=v"}, // escaped tracking name
		{"https://example.com/a?&&k=v&", "https://example.com/a?k=v"},
		{"https://example.com/a?flag", "https://example.com/a?flag"},
		{"https://user:secret@example.com/a", "https://example.com/a"},
		{"https://example.com./a", "https://example.com/a"},
		{"https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"},
		{"https://[2001:db8::1]:8080/a", "https://[2001:db8::1]:8080/a"},
		{"  https://example.com/a  ", "https://example.com/a"},
		{"https://example.com/a%2Fb/c", "https://example.com/a%2Fb/c"}, // escaped slash kept
		{"https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"},
		{"https://example.com/a/../b/./c", "https://example.com/a/../b/./c"}, // path kept as is
	}
	for _, tt := range tests {
		got, err := Canonicalize(tt.in)
		if err != nil {
			t.Errorf("Canonicalize(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	for _, in := range []string{
		"", "/relative/path", "example.com/a", "ftp://example.com/a", "mailto:a@example.com",
		"javascript:alert(1)", "https://", "https:///path", "http://[::1", "https:opaque",
	} {
		if got, err := Canonicalize(in); err == nil {
			t.Errorf("Canonicalize(%q) = %q, want an error", in, got)
		}
	}
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://www.example.com/a", "https://example.com/b", true},
		{"https://EXAMPLE.com/a", "http://www.example.com./b", true},
		{"https://news.example.com/a", "https://example.com/b", false},
		{"https://example.com/a", "https://example.org/a", false},
		{"https://example.com:8080/a", "https://example.com/a", true},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := sameSite(a, b); got != tt.want {
			t.Errorf("sameSite(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"https://Example.com:443/a?utm_source=x&b=2&a=1#frag",
		"http://[fe80::1%25eth0]:80/",
		"https://example.com/a%2Fb?q=%zz",
		"https://user:pass@host./p;x?y=1&y=0",
		"HTTP://h/?&&=&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonicalize(raw)
		if err != nil {
			return
		}
		again, err := Canonicalize(c)
		if err != nil {
			t.Fatalf("Canonicalize(%q) = %q, which fails to canonicalize again: %v", raw, c, err)
		}
		if again != c {
			t.Errorf("Canonicalize not idempotent: %q → %q → %q", raw, c, again)
		}
		if !strings.HasPrefix(c, "http://") && !strings.HasPrefix(c, "https://") {
			t.Errorf("Canonicalize(%q) = %q, not http(s)", raw, c)
		}
		if strings.Contains(c, "#") {
			t.Errorf("Canonicalize(%q) = %q keeps a fragment", raw, c)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("Canonicalize(%q) = %q does not parse: %v", raw, c, err)
		}
		for k := range u.Query() {
			if isTrackingParam(k) {
				t.Errorf("Canonicalize(%q) = %q keeps tracking parameter %q", raw, c, k)
			}
		}
	})
}

func BenchmarkCanonicalize(b *testing.B) {
	for b.Loop() {
		if _, err := Canonicalize("HTTPS://www.Example.com:443/world/2024/03/05/story?utm_source=rss&id=7&b=2&fbclid=x#top"); err != nil {
			b.Fatal(err)
		}
	}
}
