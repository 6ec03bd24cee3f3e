// Package outbox holds the words of the durable delivery queue: the alerts
// handed to it with their routes, the entries it keeps (queued or dead),
// the notifiers it holds switched off and its one error. It is a leaf,
// like news: the store engines implement the queue and the dispatcher
// drains it (the contract is notify.Outbox), and neither imports the
// other. It has no behaviour beyond the rules every engine shares.
package outbox

import (
	"errors"
	"time"

	"github.com/newshound/newshound/news"
)

// ErrNotFound means no entry with the given id is in the state the
// operation needs (not queued for Ack, Retry, Defer and Dead; not dead
// for a requeue). Engines wrap it, so callers test with errors.Is.
var ErrNotFound = errors.New("not found")

// EntryID is the id of the delivery of alert alertID through notifier:
// one entry per (alert, notifier).
func EntryID(alertID, notifier string) string { return alertID + "/" + notifier }

// QueuedAlert is an alert and where it goes: Notifiers are sent at once,
// Routes carry their own schedule. A notifier named in both (or twice)
// gets one entry, the first one listed (Notifiers first; see Deliveries).
type QueuedAlert struct {
	Alert     news.Alert
	Notifiers []string
	Routes    []Route
}

// Route is one delivery of a queued alert with its own schedule.
type Route struct {
	Notifier string
	// Due is the first attempt; zero means at once (the engine's clock).
	Due time.Time
	// Digest marks an entry that goes out collected with the other digest
	// entries of its notifier that are due at the same sweep.
	Digest bool
}

// Deliveries lists the entries qa makes: one Route per distinct notifier,
// Notifiers first (due at once), then Routes, the first naming a notifier
// winning.
func (qa QueuedAlert) Deliveries() []Route {
	out := make([]Route, 0, len(qa.Notifiers)+len(qa.Routes))
	seen := make(map[string]bool, cap(out))
	add := func(r Route) {
		if !seen[r.Notifier] {
			seen[r.Notifier] = true
			out = append(out, r)
		}
	}
	for _, n := range qa.Notifiers {
		add(Route{Notifier: n})
	}
	for _, r := range qa.Routes {
		add(r)
	}
	return out
}

// Entry is one delivery of one alert through one notifier: queued in the
// outbox until acknowledged, or kept as a dead letter.
type Entry struct {
	ID, AlertID, Notifier string // ID = EntryID(AlertID, Notifier)
	Alert                 news.Alert
	// Attempts counts failed attempts: each Retry and Dead adds one.
	Attempts             int
	Created, NextAttempt time.Time
	// LastError is the last failure; for a dead letter, the reason.
	LastError string
	// DeadAt is when the entry was given up; zero while queued.
	DeadAt time.Time
	// Digest marks an entry sent collected with others in one message
	// (a digest route, or an entry held over quiet hours).
	Digest bool
	// FirstDue is when the entry first fell due; max_queue_age counts from
	// here (not from Created, so a weekly digest is not born stale).
	FirstDue time.Time
}

// Reschedule is one failed attempt of one queued entry: it is tried again
// at Next, and LastError says why it failed.
type Reschedule struct {
	ID        string
	Next      time.Time
	LastError string
}

// DisabledNotifier is a notifier the dispatcher switched off because its
// receiver said the channel is gone (HTTP 410, Slack channel_is_archived).
type DisabledNotifier struct {
	Name        string
	Reason      string    // the receiver's answer, without secrets
	Fingerprint string    // the notifier's settings hash when it was disabled
	At          time.Time // when it was disabled
	Announced   bool      // the notice was queued
}
