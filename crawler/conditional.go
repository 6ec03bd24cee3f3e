package crawler

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// StatusError is a response outside 2xx (and, for a listing fetched
// conditionally, 304). RetryAfter is the server's Retry-After on a 429 or
// 503, zero when absent or unparsable; the app uses it as the floor of the
// source's back-off.
type StatusError struct {
	URL        string // redacted
	Code       int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("fetch %s: http status %d (retry after %s)", e.URL, e.Code, e.RetryAfter)
	}
	return fmt.Sprintf("fetch %s: http status %d", e.URL, e.Code)
}

// RetryAfter returns the Retry-After delay carried by err (a 429 or 503
// somewhere in its chain); ok is false when there is none.
func RetryAfter(err error) (d time.Duration, ok bool) {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return se.RetryAfter, true
	}
	return 0, false
}

// maxRetryAfter bounds what a server may ask for: a typo or a hostile
// header must not silence a source for a year. The app's MaxBackoff caps
// it further.
const maxRetryAfter = 7 * 24 * time.Hour

// validators are the HTTP cache validators of a listing.
type validators struct {
	etag, lastModified string
}

// set adds the conditional request headers for v to hdr.
func (v validators) set(hdr http.Header) {
	if v.etag != "" {
		hdr.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		hdr.Set("If-Modified-Since", v.lastModified)
	}
}
