// Package outboxtest is the conformance suite of notify.Outbox. Every
// store engine runs it against a real, freshly opened instance of itself
// (bbolt's run is in this package's tests); an engine that passes keeps
// the promises the Dispatcher relies on: one entry per (alert, notifier)
// in exactly one of queued, delivered or dead, per-notifier due ranges in
// order, all-or-nothing batches, and dead letters and disabled notifiers
// announced once.
//
// Crash safety is not tested here (the suite cannot kill an engine
// between two writes); it follows from each method being one transaction
// and is checked end to end by internal/crashloop.
package outboxtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/outbox"
)

// Engine is an outbox engine under test: the contract the Dispatcher
// drains plus what the suite needs to fill and inspect it, which an
// engine offers its other callers anyway (a crawl pass queues alerts, the
// CLI and the web server read the queue).
type Engine interface {
	notify.Outbox
	// Queue stores alerts and one entry per distinct notifier of each
	// (QueuedAlert.Deliveries; due at once by the engine's clock unless
	// the route says when), in one transaction. An alert whose id is
	// stored already is skipped; it returns the ids newly stored. An
	// invalid alert (empty id or notifier name) stores nothing.
	Queue(alerts []outbox.QueuedAlert) (queued []string, err error)
	// Queued returns every queued entry, of every notifier.
	Queued() ([]outbox.Entry, error)
	// DeadLetters returns every dead letter.
	DeadLetters() ([]outbox.Entry, error)
	// Delivered reports when entry id was acknowledged.
	Delivered(id string) (at time.Time, ok bool, err error)
}

// Open returns a new, empty engine whose own clock is now (it stamps
// Created and the due time of entries queued at once); the engine is
// closed by a t.Cleanup it registers.
type Open func(t *testing.T, now func() time.Time) Engine

// t0 is the suite's start time; every case's clock starts here.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Run runs every case of the suite, each on an engine of its own.
func Run(t *testing.T, open Open) {
	cases := []struct {
		name string
		run  func(*testing.T, *rig)
	}{
		{"QueueThenDue", testQueueThenDue},
		{"QueueDeduplicates", testQueueDeduplicates},
		{"InvalidQueuesNothing", testInvalidQueuesNothing},
		{"DueRangePerNotifier", testDueRangePerNotifier},
		{"Ack", testAck},
		{"AckOnceUnderRace", testAckOnceUnderRace},
		{"RetryAll", testRetryAll},
		{"Defer", testDefer},
		{"DeadAnnouncedOnce", testDeadAnnouncedOnce},
		{"DeadNoticeNotAnnounced", testDeadNoticeNotAnnounced},
		{"AnnounceFailureMarksNothing", testAnnounceFailureMarksNothing},
		{"AnnounceDeduplicates", testAnnounceDeduplicates},
		{"DisableAnnounceEnable", testDisableAnnounceEnable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := testclock.New(t0)
			c.run(t, &rig{Engine: open(t, clock.Now), clock: clock})
		})
	}
}

// rig is one case's engine and clock, with helpers that fail the test on
// an engine error.
type rig struct {
	Engine
	clock *testclock.Clock
}

func alert(id string) news.Alert {
	return news.Alert{
		ID: id, Watch: "ministers", Source: "wire", URL: "https://news.example/" + id,
		Title: "Title of " + id, Found: t0.Add(-time.Minute), Snippet: "a snippet of " + id,
	}
}

// queue stores alerts for notifiers and fails the test unless every one is
// new.
func (r *rig) queue(t *testing.T, qas ...outbox.QueuedAlert) {
	t.Helper()
	ids, err := r.Queue(qas)
	if err != nil {
		t.Fatalf("Queue: %v", err)
	}
	if len(ids) != len(qas) {
		t.Fatalf("Queue(%d new alerts) stored %v", len(qas), ids)
	}
}

func (r *rig) due(t *testing.T, notifier string, now time.Time, limit int) []outbox.Entry {
	t.Helper()
	es, err := r.DueFor(notifier, now, limit)
	if err != nil {
		t.Fatalf("DueFor(%q, %v, %d): %v", notifier, now, limit, err)
	}
	return es
}

// queued returns the queued entry id; it fails the test when there is
// none.
func (r *rig) queued(t *testing.T, id string) outbox.Entry {
	t.Helper()
	es, err := r.Queued()
	if err != nil {
		t.Fatalf("Queued: %v", err)
	}
	for _, e := range es {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("entry %s is not queued", id)
	return outbox.Entry{}
}

// state returns the one state entry id is in: "queued", "delivered",
// "dead" or "none"; it fails the test when the entry is in more than one.
func (r *rig) state(t *testing.T, id string) string {
	t.Helper()
	var in []string
	q, err := r.Queued()
	if err != nil {
		t.Fatalf("Queued: %v", err)
	}
	if slices.ContainsFunc(q, func(e outbox.Entry) bool { return e.ID == id }) {
		in = append(in, "queued")
	}
	if _, ok, err := r.Delivered(id); err != nil {
		t.Fatalf("Delivered(%q): %v", id, err)
	} else if ok {
		in = append(in, "delivered")
	}
	dead, err := r.DeadLetters()
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	if slices.ContainsFunc(dead, func(e outbox.Entry) bool { return e.ID == id }) {
		in = append(in, "dead")
	}
	switch len(in) {
	case 0:
		return "none"
	case 1:
		return in[0]
	}
	t.Fatalf("entry %s is %s at once; want exactly one state", id, strings.Join(in, " and "))
	return ""
}

func (r *rig) wantState(t *testing.T, id, want string) {
	t.Helper()
	if got := r.state(t, id); got != want {
		t.Errorf("state(%s) = %s, want %s", id, got, want)
	}
}

func ids(es []outbox.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// checkEntry compares the fields the contract fixes.
func checkEntry(t *testing.T, got, want outbox.Entry) {
	t.Helper()
	problems := []string{}
	add := func(field string, g, w any) { problems = append(problems, fmt.Sprintf("%s %v, want %v", field, g, w)) }
	if got.ID != want.ID || got.AlertID != want.AlertID || got.Notifier != want.Notifier {
		add("id/alert/notifier", []string{got.ID, got.AlertID, got.Notifier}, []string{want.ID, want.AlertID, want.Notifier})
	}
	if got.Alert.ID != want.Alert.ID || got.Alert.Title != want.Alert.Title || got.Alert.URL != want.Alert.URL ||
		got.Alert.Snippet != want.Alert.Snippet || !got.Alert.Found.Equal(want.Alert.Found) {
		add("alert", got.Alert, want.Alert)
	}
	if got.Attempts != want.Attempts {
		add("attempts", got.Attempts, want.Attempts)
	}
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"created", got.Created, want.Created}, {"next attempt", got.NextAttempt, want.NextAttempt},
		{"first due", got.FirstDue, want.FirstDue}, {"dead at", got.DeadAt, want.DeadAt},
	} {
		if !f.got.Equal(f.want) {
			add(f.name, f.got, f.want)
		}
	}
	if got.LastError != want.LastError {
		add("last error", got.LastError, want.LastError)
	}
	if got.Digest != want.Digest {
		add("digest", got.Digest, want.Digest)
	}
	if len(problems) > 0 {
		t.Errorf("entry %s: %s", want.ID, strings.Join(problems, "; "))
	}
}

// wantNotFound checks that err wraps outbox.ErrNotFound.
func wantNotFound(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("%s = %v, want an error wrapping outbox.ErrNotFound", op, err)
	}
}

// announcement is what one build call was given.
type announcement struct {
	dead     []string
	disabled []string
}

// announce calls Announce with a build that records its arguments and
// returns one notice per dead letter and disabled notifier, for notices.
// It returns what build was given (nil when it was not called) and the
// ids queued.
func (r *rig) announce(t *testing.T, notices ...string) (*announcement, []string) {
	t.Helper()
	var got *announcement
	queued, err := r.Announce(func(dead []outbox.Entry, disabled []outbox.DisabledNotifier) []outbox.QueuedAlert {
		got = &announcement{}
		var out []outbox.QueuedAlert
		for _, e := range dead {
			got.dead = append(got.dead, e.ID)
			out = append(out, notice("dead:"+e.ID, notices))
		}
		for _, d := range disabled {
			got.disabled = append(got.disabled, d.Name)
			out = append(out, notice("disabled:"+d.Name+":"+d.Fingerprint, notices))
		}
		return out
	})
	if err != nil {
		t.Fatalf("Announce: %v", err)
	}
	return got, queued
}

func notice(key string, notifiers []string) outbox.QueuedAlert {
	return outbox.QueuedAlert{
		Alert: news.Alert{
			ID: news.AlertID(news.WatchDelivery, key), Watch: news.WatchDelivery,
			Title: "notice " + key, Found: t0,
		},
		Notifiers: notifiers,
	}
}
