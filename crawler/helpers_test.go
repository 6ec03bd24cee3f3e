package crawler

import (
	"net/url"
	"testing"
	"unicode/utf8"
)

func mustParse(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func isValidUTF8(s string) bool { return utf8.ValidString(s) }
