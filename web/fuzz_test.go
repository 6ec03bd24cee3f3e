package web

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseSince: never panics; a success is never after now.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2026-03-01T00:00:00Z", "-1h", "99999999999d", "1e9h", "0d", "d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseSince(raw, t0)
		if err == nil && got.After(t0) && !strings.Contains(raw, "T") {
			t.Errorf("parseSince(%q) = %v, after now for a duration", raw, got)
		}
	})
}

// FuzzSafeHref: only absolute http(s) URLs with a host come out, and
// nothing that could break out of an attribute unescaped.
func FuzzSafeHref(f *testing.F) {
	for _, s := range []string{"https://x.example/a?b=c", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x",
		"java\tscript:x", "//evil.example", "data:text/html,x", "http://", "https://a\x00b", "HTTPS://X/\"><script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		href, ok := safeHref(raw)
		if !ok {
			return
		}
		u, err := url.Parse(href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("safeHref(%q) = %q, not an absolute http(s) URL", raw, href)
		}
		if strings.ContainsAny(href, "\x00\n\r\t") {
			t.Errorf("safeHref(%q) = %q holds control characters", raw, href)
		}
	})
}
