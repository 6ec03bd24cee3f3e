package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/crawlstate"
)

func TestJudgeFailures(t *testing.T) {
	const gone, late = "https://example.com/gone", "https://example.com/late"
	articleErr := func(url string) error {
		return fmt.Errorf("wrapped: %w", &ArticleError{URL: url, Keys: []string{url}, Err: &StatusError{URL: url, Code: 404}})
	}
	outageErr := func(url string, cause error) error {
		return &ArticleError{URL: url, Keys: []string{url}, Err: cause}
	}
	childErr := errors.New("child sitemap https://example.com/s.xml: http status 500")
	failed := func(attempts int, first time.Time) crawlstate.ArticleFailure {
		return crawlstate.ArticleFailure{Attempts: attempts, First: first, LastError: "fetch https://example.com/gone: http status 404"}
	}
	now := testNow
	tests := []struct {
		name        string
		prev        crawlstate.ArticleFailures
		errs        []error
		wantFailing crawlstate.ArticleFailures
		wantGivenUp int
		retrying    bool
	}{
		{"nothing failed", nil, nil, nil, 0, false},
		{"first failure", nil, []error{articleErr(gone)},
			crawlstate.ArticleFailures{gone: failed(1, now)}, 0, true},
		{"again", crawlstate.ArticleFailures{gone: failed(2, now.Add(-30*time.Minute))}, []error{articleErr(gone)},
			crawlstate.ArticleFailures{gone: failed(3, now.Add(-30*time.Minute))}, 0, true},
		{"5 passes within the hour", crawlstate.ArticleFailures{gone: failed(4, now.Add(-40*time.Minute))}, []error{articleErr(gone)},
			crawlstate.ArticleFailures{gone: failed(5, now.Add(-40*time.Minute))}, 0, true},
		{"5 passes over an hour", crawlstate.ArticleFailures{gone: failed(4, now.Add(-time.Hour))}, []error{articleErr(gone)},
			nil, 1, false},
		{"an hour but 4 passes", crawlstate.ArticleFailures{gone: failed(3, now.Add(-3*time.Hour))}, []error{articleErr(gone)},
			crawlstate.ArticleFailures{gone: failed(4, now.Add(-3*time.Hour))}, 0, true},
		{"fetched or unlisted now: forgotten", crawlstate.ArticleFailures{late: failed(2, now.Add(-time.Hour))}, nil, nil, 0, false},
		{"child sitemap: retried, never counted", nil, []error{childErr}, nil, 0, true},
		{"given up beside a child sitemap", crawlstate.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))}, []error{articleErr(gone), childErr},
			nil, 1, true},
		{"503 for 23 hours: kept", crawlstate.ArticleFailures{gone: failed(9, now.Add(-23*time.Hour))},
			[]error{outageErr(gone, &StatusError{URL: gone, Code: 503})},
			crawlstate.ArticleFailures{gone: {Attempts: 10, First: now.Add(-23 * time.Hour), LastError: "fetch https://example.com/gone: http status 503"}}, 0, true},
		{"503 for a day: given up", crawlstate.ArticleFailures{gone: failed(9, now.Add(-24*time.Hour))},
			[]error{outageErr(gone, &StatusError{URL: gone, Code: 503})}, nil, 1, false},
		{"429 for 5 hours: kept", crawlstate.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))},
			[]error{outageErr(gone, &StatusError{URL: gone, Code: 429})},
			crawlstate.ArticleFailures{gone: {Attempts: 10, First: now.Add(-5 * time.Hour), LastError: "fetch https://example.com/gone: http status 429"}}, 0, true},
		{"timeout for 5 hours: kept", crawlstate.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))},
			[]error{outageErr(gone, fmt.Errorf("fetch %s: %w", gone, context.DeadlineExceeded))},
			crawlstate.ArticleFailures{gone: {Attempts: 10, First: now.Add(-5 * time.Hour), LastError: "fetch https://example.com/gone: context deadline exceeded"}}, 0, true},
		{"410 for 2 hours: given up", crawlstate.ArticleFailures{gone: failed(9, now.Add(-2*time.Hour))},
			[]error{outageErr(gone, &StatusError{URL: gone, Code: 410})}, nil, 1, false},
	}
	for _, tt := range tests {
		failing, givenUp := judgeFailures(tt.prev, tt.errs, "wire", now)
		if !(crawlstate.FetchState{Failing: failing}).Equal(crawlstate.FetchState{Failing: tt.wantFailing}) {
			t.Errorf("judgeFailures(%s) failing = %+v, want %+v", tt.name, failing, tt.wantFailing)
		}
		if retrying := len(tt.errs) > len(givenUp); len(givenUp) != tt.wantGivenUp || retrying != tt.retrying {
			t.Errorf("judgeFailures(%s) = %d given up, retrying %v; want %d, %v", tt.name, len(givenUp), retrying, tt.wantGivenUp, tt.retrying)
		}
		for _, a := range givenUp {
			if a.ID != "" || a.Text != "" || len(a.Keys) == 0 || a.Source != "wire" || !a.Found.Equal(now) {
				t.Errorf("judgeFailures(%s) given up = %+v, want keys only", tt.name, a)
			}
		}
		for _, err := range tt.errs {
			var ae *ArticleError
			if errors.As(err, &ae) && (ae.Attempts == 0 || ae.First.IsZero()) {
				t.Errorf("judgeFailures(%s) left %s uncounted: %+v", tt.name, ae.URL, ae)
			}
		}
	}
}

// TestJudgeFailuresBound: more failing pages than the bound keep
// the ones failing longest, so they are given up first and the set drains.
func TestJudgeFailuresBound(t *testing.T) {
	now := testNow
	prev := crawlstate.ArticleFailures{}
	var errs []error
	for i := range maxFailingArticles + 50 {
		u := fmt.Sprintf("https://example.com/%04d", i)
		if i%2 == 0 { // the even ones have failed since an earlier pass
			prev[u] = crawlstate.ArticleFailure{Attempts: 1, First: now.Add(-10 * time.Minute)}
		}
		errs = append(errs, &ArticleError{URL: u, Keys: []string{u}, Err: errors.New("http status 404")})
	}
	failing, givenUp := judgeFailures(prev, errs, "wire", now)
	if len(failing) != maxFailingArticles {
		t.Fatalf("judgeFailures(%d failing) kept %d, want %d", len(errs), len(failing), maxFailingArticles)
	}
	for u := range prev {
		if f := failing[u]; f.Attempts != 2 {
			t.Errorf("judgeFailures kept %s = %+v, want it at 2 attempts (failing longest)", u, f)
		}
	}
	if len(givenUp) != 0 {
		t.Errorf("judgeFailures gave up on %d, want none (dropped ones are still retried)", len(givenUp))
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"}, // é is 2 bytes: never cut in half
		{"ééé", 4, "éé…"},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// FuzzTruncateUTF8: the cut never exceeds n bytes plus the ellipsis, keeps
// a prefix of the input, and never splits a rune of valid UTF-8.
func FuzzTruncateUTF8(f *testing.F) {
	f.Add("fetch https://example.com/gone: http status 404", 10)
	f.Add("ééé", 3)
	f.Add("نقل عائلات", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := truncateUTF8(s, n)
		if len(s) <= n {
			if got != s {
				t.Errorf("truncateUTF8(%q, %d) = %q, want it unchanged", s, n, got)
			}
			return
		}
		cut := strings.TrimSuffix(got, "…")
		if len(cut) > n || !strings.HasPrefix(s, cut) || cut == got {
			t.Errorf("truncateUTF8(%q, %d) = %q, want a prefix of at most %d bytes and an ellipsis", s, n, got, n)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("truncateUTF8(%q, %d) = %q, splits a rune", s, n, got)
		}
	})
}

// TestOutage: the failures that look like a passing outage, which give an
// article a day before it is given up, as the metrics' kinds count them:
// 5xx and the "not now" 4xx, timeouts, network errors and the address
// guard; not a page's own failures.
func TestOutage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"503", &StatusError{Code: 503}, true},
		{"500 wrapped", fmt.Errorf("fetch: %w", &StatusError{Code: 500}), true},
		{"408", &StatusError{Code: 408}, true},
		{"425", &StatusError{Code: 425}, true},
		{"429", &StatusError{Code: 429}, true},
		{"404", &StatusError{Code: 404}, false},
		{"410", &StatusError{Code: 410}, false},
		{"deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), true},
		{"dns", &net.DNSError{Err: "no such host", Name: "news.example"}, true},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"address guard", fmt.Errorf("fetch: %w", ErrAddressNotAllowed), true},
		{"robots", fmt.Errorf("fetch: %w", ErrDisallowed), false},
		{"parse", &ParseError{Err: errors.New("too deep")}, false},
		{"nothing to extract", errors.New("no article text"), false},
	}
	for _, tt := range tests {
		if got := outage(tt.err); got != tt.want {
			t.Errorf("outage(%s: %v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
