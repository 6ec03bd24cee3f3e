// Package notify delivers queued alerts. The Dispatcher takes due entries
// from the durable outbox in the store, hands each to the Notifier it names,
// and acknowledges, reschedules (transient failure, capped exponential
// backoff with jitter, never sooner than Retry-After) or dead-letters
// (permanent failure) it. The channels live in sub-packages: webhook,
// slack, email and console; they share the status mapping in this file.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
)

// Notifier delivers one alert through one channel.
//
// Notify returns nil only once the receiver confirmed the alert (HTTP 2xx,
// Slack "ok", SMTP 250 after DATA). On failure, retryable reports whether a
// later attempt may succeed (connection errors, timeouts, 5xx, 429, SMTP
// 4xx) or whether the alert can never be delivered as it is (other 4xx,
// SMTP 5xx, bad payload). An error may wrap a *DelayError to ask that the
// next attempt wait at least that long. Errors must never contain secrets or
// webhook URLs.
type Notifier interface {
	Notify(ctx context.Context, alert news.Alert) (retryable bool, err error)
}

// DelayError carries a receiver's request to wait (Retry-After) before the
// next attempt.
type DelayError struct {
	After time.Duration
	Err   error
}

func (e *DelayError) Error() string { return e.Err.Error() }
func (e *DelayError) Unwrap() error { return e.Err }

// RetryAfter returns the delay requested by a *DelayError in err's chain,
// or zero.
func RetryAfter(err error) time.Duration {
	var d *DelayError
	if errors.As(err, &d) {
		return d.After
	}
	return 0
}

// CheckResponse maps an HTTP response to the Notifier contract: nil for
// 2xx; otherwise an error naming the status and the start of the body, with
// retryable true for 408, 429 and 5xx. 3xx is a failure (redirects are
// never followed: a webhook that moved must be reconfigured) and is
// retryable, because the operator may fix the receiver. A Retry-After
// header (seconds or HTTP date) is carried as a *DelayError. now is used to
// turn an HTTP date into a delay.
func CheckResponse(resp *http.Response, body []byte, now time.Time) (retryable bool, err error) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return false, nil
	}
	err = fmt.Errorf("receiver answered %s: %s", resp.Status, excerpt(body))
	retryable = code == http.StatusRequestTimeout || code == http.StatusTooManyRequests ||
		code >= 500 || (code >= 300 && code < 400)
	if d := parseRetryAfter(resp.Header.Get("Retry-After"), now); d > 0 {
		err = &DelayError{After: d, Err: err}
	}
	return retryable, err
}

// parseRetryAfter reads a Retry-After value in delta-seconds or HTTP-date
// form; it returns zero when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt returns at most 200 bytes of a response body for an error
// message, on one line.
func excerpt(body []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
