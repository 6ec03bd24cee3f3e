package crawler

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/newshound/newshound/crawlstate"
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

// firstPass is the fetch state of a source never crawled.
var firstPass crawlstate.FetchState
