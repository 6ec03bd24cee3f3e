package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/metrics"
)

// TestFetchErrorKind: a failed crawl is counted under the kind of its
// cause, wherever in the chain the crawler wrapped it.
func TestFetchErrorKind(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tt := range []struct {
		name string
		err  error
		want metrics.FetchErrorKind
	}{
		{"none", nil, metrics.NoError},
		{"404", fmt.Errorf("crawl wire: %w", &crawler.StatusError{URL: "https://x.example/rss", Code: 404}), metrics.ErrHTTP4xx},
		{"503", fmt.Errorf("crawl wire: %w", &crawler.StatusError{Code: 503}), metrics.ErrHTTP5xx},
		{"304 outside a conditional fetch", &crawler.StatusError{Code: 304}, metrics.ErrOtherKind},
		{"robots", fmt.Errorf("crawl wire: fetch https://x.example/rss: %w", crawler.ErrDisallowed), metrics.ErrRobots},
		{"address guard", fmt.Errorf("crawl wire: dial: %w", crawler.ErrAddressNotAllowed), metrics.ErrNetwork},
		{"feed", fmt.Errorf("crawl wire: %w", &crawler.ParseError{What: "feed", Err: errors.New("Failed to detect feed type")}), metrics.ErrParse},
		{"sitemap", fmt.Errorf("crawl desk: every child sitemap failed: %w", errors.Join(fmt.Errorf("child sitemap https://x.example/a.xml: %w", &crawler.ParseError{What: "sitemap", Err: io.ErrUnexpectedEOF}))), metrics.ErrParse},
		{"listing", fmt.Errorf("crawl desk: %w", &crawler.ParseError{What: "listing page", Err: errors.New("bad selector")}), metrics.ErrParse},
		{"words alone are not a parse error", errors.New("crawl wire: parse feed: made up"), metrics.ErrOtherKind},
		{"deadline", fmt.Errorf("crawl wire: %w", context.DeadlineExceeded), metrics.ErrTimeout},
		{"refused", fmt.Errorf("crawl wire: %w", refused), metrics.ErrNetwork},
		{"record", errRecordFailed, metrics.ErrOtherKind},
	} {
		if got := fetchErrorKind(tt.err); got != tt.want {
			t.Errorf("fetchErrorKind(%s: %v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}
