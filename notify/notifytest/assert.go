package notifytest

import (
	"strings"
	"testing"
)

// AssertNoSecret fails the test if any error in err's chain (following both
// Unwrap() error and Unwrap() []error) mentions one of the secrets. It
// checks the whole chain, not just err.Error(), because a caller may log an
// inner error it found with errors.As. Empty secrets are ignored.
func AssertNoSecret(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, e := range Chain(err) {
		msg := e.Error()
		for _, s := range secrets {
			if s != "" && strings.Contains(msg, s) {
				t.Errorf("error %q (in chain of %T) leaks secret %q", msg, e, s)
			}
		}
	}
}

// Chain returns err and every error it wraps, depth first.
func Chain(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

// AssertOneLine fails the test if s contains a line break of any kind
// (CR, LF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR), the characters that
// let web content start a new header or log line.
func AssertOneLine(t testing.TB, what, s string) {
	t.Helper()
	if i := strings.IndexAny(s, "\r\n\u0085\u2028\u2029"); i >= 0 {
		t.Errorf("%s contains a line break at byte %d: %q", what, i, s)
	}
}
