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
	err = fmt.Errorf("receiver answered %s: %s", resp.Status, Excerpt(body))
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

// Excerpt returns at most 200 bytes of a response body for an error
// message or an answer shown to the operator, on one line, valid UTF-8.
func Excerpt(body []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " ")
	if s == "" {
		return "(empty body)"
	}
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// DigestNotifier is a Notifier that can also deliver several alerts as ONE
// message (a digest: an e-mail with one section per watch, a Slack message
// with one block per alert, a webhook body {"digest": [...]}). alerts holds
// at least one alert, oldest first; the Dispatcher never hands it more than
// the channel's DigestSize, so a channel never has to split a digest into
// several messages (which could leave half a digest sent). The contract for
// the result is Notify's.
type DigestNotifier interface {
	Notifier
	NotifyDigest(ctx context.Context, alerts []news.Alert) (retryable bool, err error)
}

// Tester is a Notifier that can report exactly what the receiver answered
// (`newshound test-notify`): the HTTP status and body start, or the SMTP
// reply to the final dot. It sends alert like Notify does.
type Tester interface {
	Test(ctx context.Context, alert news.Alert) (answer string, retryable bool, err error)
}

// ErrGone marks a failure that says the channel itself no longer exists:
// HTTP 410 Gone, Slack `channel_is_archived` (and the other Slack answers
// that mean the webhook is dead: `no_service`, `no_active_hooks`). A channel
// wraps it in the error it returns (with retryable false); the Dispatcher
// then disables the notifier until its config changes or an operator
// re-enables it, and announces that once.
var ErrGone = errors.New("the receiving channel is gone")
