// Package notify delivers queued alerts. The Dispatcher takes due entries
// from the durable outbox (the Outbox contract, which the store engines
// implement), hands each to the Notifier it names,
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
	"strings"
	"time"

	"github.com/newshound/newshound/internal/httpx"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// Outbox is the durable queue the Dispatcher drains: one entry per
// (alert, notifier), always in exactly one state — queued, delivered or
// dead. A store engine implements it (*store.Store on bbolt); the
// conformance suite in notify/outboxtest checks an engine against what is
// written here, and every engine must pass it.
//
// Every method is one transaction: when it returns nil its whole change is
// durable, and a crash at any moment leaves each change whole or absent,
// never half made. A method that fails changes nothing. Methods are safe
// for concurrent use. Times are kept to the nanosecond in UTC, so compare
// them with Equal. Entry ids are outbox.EntryID(alert id, notifier); an
// operation on an id that is not queued fails with an error wrapping
// outbox.ErrNotFound.
//
// Delivery is at least once: the Dispatcher acknowledges an entry only
// after its channel confirmed it, so a crash between the two sends it
// again, with the same id.
type Outbox interface {
	// DueFor returns up to limit queued entries of notifier whose
	// NextAttempt is at or before now, in NextAttempt order, ties by id;
	// limit <= 0 means all. Each entry carries its alert. Entries of other
	// notifiers are never read, so one notifier's backlog costs another
	// nothing. A disabled notifier's entries are returned like any other:
	// deferring them is the Dispatcher's decision.
	DueFor(notifier string, now time.Time, limit int) ([]outbox.Entry, error)
	// NextDueFor returns the earliest NextAttempt among notifier's queued
	// entries (past or future); ok is false when it has none.
	NextDueFor(notifier string) (next time.Time, ok bool, err error)
	// QueuedNotifiers names, sorted and once each, every notifier with at
	// least one queued entry, configured or not.
	QueuedNotifiers() ([]string, error)

	// Ack records that entry id was delivered at at: it leaves the queue
	// and its delivery time is kept. An id that is not queued (acknowledged
	// or dead already) fails with outbox.ErrNotFound, so an entry is
	// acknowledged once.
	Ack(id string, at time.Time) error
	// RetryAll records one failed attempt of each entry, all in one
	// transaction: Attempts grows by one, NextAttempt becomes Next and
	// LastError is set; FirstDue and Digest are kept. If any id is not
	// queued none changes (outbox.ErrNotFound). An empty list is a no-op.
	RetryAll(rs []outbox.Reschedule) error
	// Defer moves entry id to next WITHOUT counting an attempt (quiet
	// hours, a disabled notifier) and sets its Digest flag to digest;
	// Attempts, LastError and FirstDue are kept, so a deferred entry still
	// ages towards max_queue_age.
	Defer(id string, next time.Time, digest bool) error
	// Dead gives entry id up at at: in one transaction Attempts grows by
	// one, LastError becomes reason, DeadAt becomes at, and it leaves the
	// queue for the dead letters, with a copy of its alert (a dead letter
	// outlives its alert's retention). Unless its alert is a notice
	// (news.IsNotice), the dead letter is listed for Announce in the same
	// transaction, so a crash cannot lose its notice.
	Dead(id string, reason string, at time.Time) error

	// Disable records that notifier d.Name is switched off (its channel is
	// gone), replacing an earlier record for the name; the new record is
	// announced by the next Announce (unless d.Announced is set). Its
	// queued entries stay queued and due. An empty name is an error.
	Disable(d outbox.DisabledNotifier) error
	// Enable removes notifier's disabled record and, in the same
	// transaction, makes every queued entry of it due at now with FirstDue
	// reset to now (Attempts kept); it returns how many. A notifier that
	// is not disabled is left as it is: 0, nil.
	Enable(notifier string, now time.Time) (requeued int, err error)
	// DisabledNotifiers returns every disabled record, announced or not,
	// by name.
	DisabledNotifiers() ([]outbox.DisabledNotifier, error)

	// Announce turns what is not announced yet into notices, in ONE
	// transaction: it reads the unannounced dead letters (oldest DeadAt
	// first; never those of notices) and disabled records (by name), calls
	// build with them, queues the alerts build returns (due at once by the
	// engine's clock; an alert id already stored is skipped, as everywhere
	// in the outbox) and marks everything build was given as announced.
	// It returns the ids it newly queued. A crash therefore neither loses
	// a notice nor sends one twice, and ids derived from what is announced
	// make a rebuilt notice a duplicate. With nothing unannounced build is
	// not called. build runs inside the transaction: it must be a pure
	// function of its arguments and must not call the Outbox. If what it
	// returns is invalid (an empty id or notifier name), nothing is queued
	// or marked and the error is returned.
	Announce(build func(dead []outbox.Entry, disabled []outbox.DisabledNotifier) []outbox.QueuedAlert) (queued []string, err error)
}

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
	if d := httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), now, maxRetryAfter); d > 0 {
		err = &DelayError{After: d, Err: err}
	}
	return retryable, err
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
