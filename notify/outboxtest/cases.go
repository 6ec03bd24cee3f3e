package outboxtest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// An alert queued to two notifiers at once and one later, as a digest,
// gives three entries, each due only in its own notifier's range and only
// from its own due time.
func testQueueThenDue(t *testing.T, r *rig) {
	a := alert("a")
	later := t0.Add(time.Hour)
	r.queue(t, outbox.QueuedAlert{
		Alert: a, Notifiers: []string{"slack", "mail", "slack"},
		Routes: []outbox.Route{{Notifier: "hook", Due: later, Digest: true}, {Notifier: "mail", Due: later}},
	})
	slackID, hookID := outbox.EntryID(a.ID, "slack"), outbox.EntryID(a.ID, "hook")

	if got := r.due(t, "slack", t0.Add(-time.Nanosecond), 0); len(got) != 0 {
		t.Errorf("DueFor(slack, before t0) = %v, want none", ids(got))
	}
	got := r.due(t, "slack", t0, 0)
	if len(got) != 1 {
		t.Fatalf("DueFor(slack, t0) = %v, want [%s]", ids(got), slackID)
	}
	checkEntry(t, got[0], outbox.Entry{ID: slackID, AlertID: a.ID, Notifier: "slack", Alert: a, Created: t0, NextAttempt: t0, FirstDue: t0})
	// The first route naming mail (Notifiers) wins over the later one.
	if got := r.due(t, "mail", t0, 0); len(got) != 1 {
		t.Errorf("DueFor(mail, t0) = %v, want one entry due at once", ids(got))
	}
	if got := r.due(t, "hook", later.Add(-time.Nanosecond), 0); len(got) != 0 {
		t.Errorf("DueFor(hook, before its route's due time) = %v, want none", ids(got))
	}
	got = r.due(t, "hook", later, 0)
	if len(got) != 1 {
		t.Fatalf("DueFor(hook, due time) = %v, want [%s]", ids(got), hookID)
	}
	checkEntry(t, got[0], outbox.Entry{ID: hookID, AlertID: a.ID, Notifier: "hook", Alert: a, Created: t0, NextAttempt: later, FirstDue: later, Digest: true})

	for _, tc := range []struct {
		notifier string
		next     time.Time
		ok       bool
	}{{"slack", t0, true}, {"hook", later, true}, {"nobody", time.Time{}, false}} {
		next, ok, err := r.NextDueFor(tc.notifier)
		if err != nil || ok != tc.ok || !next.Equal(tc.next) {
			t.Errorf("NextDueFor(%q) = %v, %v, %v, want %v, %v, nil", tc.notifier, next, ok, err, tc.next, tc.ok)
		}
	}
	names, err := r.QueuedNotifiers()
	if want := []string{"hook", "mail", "slack"}; err != nil || !slices.Equal(names, want) {
		t.Errorf("QueuedNotifiers() = %v, %v, want %v, nil", names, err, want)
	}
	for _, id := range []string{slackID, hookID, outbox.EntryID(a.ID, "mail")} {
		r.wantState(t, id, "queued")
	}
}

// An alert id already stored is skipped: no new entry, not even for a
// notifier it did not have.
func testQueueDeduplicates(t *testing.T, r *rig) {
	a := alert("a")
	r.queue(t, outbox.QueuedAlert{Alert: a, Notifiers: []string{"slack"}})
	r.clock.Advance(time.Minute)
	again, err := r.Queue([]outbox.QueuedAlert{{Alert: a, Notifiers: []string{"slack", "mail"}}, {Alert: alert("b"), Notifiers: []string{"mail"}}})
	if err != nil || !slices.Equal(again, []string{"b"}) {
		t.Fatalf("Queue(a again, b) = %v, %v, want [b], nil", again, err)
	}
	if got := r.due(t, "mail", r.clock.Now(), 0); !slices.Equal(ids(got), []string{outbox.EntryID("b", "mail")}) {
		t.Errorf("DueFor(mail) = %v, want only b's entry", ids(got))
	}
	checkEntry(t, r.queued(t, outbox.EntryID(a.ID, "slack")),
		outbox.Entry{ID: outbox.EntryID(a.ID, "slack"), AlertID: a.ID, Notifier: "slack", Alert: a, Created: t0, NextAttempt: t0, FirstDue: t0})
}

// A batch with one invalid alert stores none of it.
func testInvalidQueuesNothing(t *testing.T, r *rig) {
	for _, tc := range []struct {
		name string
		bad  outbox.QueuedAlert
	}{
		{"empty id", outbox.QueuedAlert{Alert: news.Alert{Title: "no id"}, Notifiers: []string{"slack"}}},
		{"empty notifier", outbox.QueuedAlert{Alert: alert("bad"), Notifiers: []string{""}}},
		{"empty route notifier", outbox.QueuedAlert{Alert: alert("bad"), Routes: []outbox.Route{{Due: t0}}}},
	} {
		if got, err := r.Queue([]outbox.QueuedAlert{{Alert: alert("good"), Notifiers: []string{"slack"}}, tc.bad}); err == nil {
			t.Errorf("Queue(good, %s) = %v, nil, want an error", tc.name, got)
		}
		if q, err := r.Queued(); err != nil || len(q) != 0 {
			t.Errorf("after Queue(good, %s): Queued() = %v, %v, want nothing", tc.name, ids(q), err)
		}
	}
}

// DueFor reads one notifier's entries only, in NextAttempt order with
// ties by id, and at most limit of them.
func testDueRangePerNotifier(t *testing.T, r *rig) {
	offsets := map[string]time.Duration{"e": 3 * time.Minute, "d": time.Minute, "c": 2 * time.Minute, "b": time.Minute, "a": 0}
	var qas []outbox.QueuedAlert
	for _, id := range []string{"e", "d", "c", "b", "a"} {
		qas = append(qas, outbox.QueuedAlert{Alert: alert(id), Notifiers: []string{"mail"},
			Routes: []outbox.Route{{Notifier: "slack", Due: t0.Add(offsets[id])}}})
	}
	r.queue(t, qas...)
	want := []string{"a/slack", "b/slack", "d/slack", "c/slack", "e/slack"}
	for _, tc := range []struct {
		now   time.Time
		limit int
		want  []string
	}{
		{t0.Add(time.Hour), 0, want},
		{t0.Add(time.Hour), 2, want[:2]},
		{t0.Add(time.Hour), 100, want},
		{t0.Add(time.Minute), 0, want[:3]},
		{t0, 0, want[:1]},
	} {
		if got := ids(r.due(t, "slack", tc.now, tc.limit)); !slices.Equal(got, tc.want) {
			t.Errorf("DueFor(slack, t0+%v, %d) = %v, want %v", tc.now.Sub(t0), tc.limit, got, tc.want)
		}
	}
	if got := r.due(t, "mail", t0, 0); len(got) != 5 || slices.ContainsFunc(got, func(e outbox.Entry) bool { return e.Notifier != "mail" }) {
		t.Errorf("DueFor(mail, t0) = %v, want the five mail entries only", ids(got))
	}
}

// Ack moves a queued entry to delivered, once.
func testAck(t *testing.T, r *rig) {
	r.queue(t, outbox.QueuedAlert{Alert: alert("a"), Notifiers: []string{"slack", "mail"}})
	id := outbox.EntryID("a", "slack")
	at := t0.Add(3 * time.Second)
	if err := r.Ack(id, at); err != nil {
		t.Fatalf("Ack(%s): %v", id, err)
	}
	r.wantState(t, id, "delivered")
	r.wantState(t, outbox.EntryID("a", "mail"), "queued")
	if got, ok, err := r.Delivered(id); err != nil || !ok || !got.Equal(at) {
		t.Errorf("Delivered(%s) = %v, %v, %v, want %v, true, nil", id, got, ok, err, at)
	}
	if got := r.due(t, "slack", t0.Add(time.Hour), 0); len(got) != 0 {
		t.Errorf("DueFor(slack) after Ack = %v, want none", ids(got))
	}
	if _, ok, err := r.NextDueFor("slack"); ok || err != nil {
		t.Errorf("NextDueFor(slack) after Ack: ok %v, err %v, want false, nil", ok, err)
	}
	wantNotFound(t, "Ack(acknowledged entry)", r.Ack(id, at.Add(time.Hour)))
	wantNotFound(t, "Ack(unknown entry)", r.Ack(outbox.EntryID("nope", "slack"), at))
	if got, _, _ := r.Delivered(id); !got.Equal(at) {
		t.Errorf("Delivered(%s) after a second Ack = %v, want the first %v", id, got, at)
	}
	r.wantState(t, id, "delivered")
}

// Two Acks of one entry racing: exactly one succeeds.
func testAckOnceUnderRace(t *testing.T, r *rig) {
	r.queue(t, outbox.QueuedAlert{Alert: alert("a"), Notifiers: []string{"slack"}})
	id := outbox.EntryID("a", "slack")
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = r.Ack(id, t0) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, outbox.ErrNotFound):
			t.Errorf("Ack(%s) racing = %v, want nil or outbox.ErrNotFound", id, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing Acks succeeded, want exactly 1", ok, len(errs))
	}
	r.wantState(t, id, "delivered")
}

// RetryAll counts one failed attempt per entry and moves it; a batch with
// an id not queued changes none.
func testRetryAll(t *testing.T, r *rig) {
	a, b := alert("a"), alert("b")
	r.queue(t, outbox.QueuedAlert{Alert: a, Routes: []outbox.Route{{Notifier: "hook", Digest: true}}},
		outbox.QueuedAlert{Alert: b, Notifiers: []string{"hook"}})
	x, y := outbox.EntryID(a.ID, "hook"), outbox.EntryID(b.ID, "hook")
	if err := r.RetryAll(nil); err != nil {
		t.Errorf("RetryAll(nil) = %v, want nil", err)
	}
	err := r.RetryAll([]outbox.Reschedule{{ID: x, Next: t0.Add(5 * time.Minute), LastError: "503"}, {ID: y, Next: t0.Add(10 * time.Minute), LastError: "timeout"}})
	if err != nil {
		t.Fatalf("RetryAll: %v", err)
	}
	checkEntry(t, r.queued(t, x), outbox.Entry{ID: x, AlertID: a.ID, Notifier: "hook", Alert: a, Attempts: 1,
		Created: t0, NextAttempt: t0.Add(5 * time.Minute), FirstDue: t0, LastError: "503", Digest: true})
	checkEntry(t, r.queued(t, y), outbox.Entry{ID: y, AlertID: b.ID, Notifier: "hook", Alert: b, Attempts: 1,
		Created: t0, NextAttempt: t0.Add(10 * time.Minute), FirstDue: t0, LastError: "timeout"})
	if got := ids(r.due(t, "hook", t0.Add(5*time.Minute), 0)); !slices.Equal(got, []string{x}) {
		t.Errorf("DueFor(hook, t0+5m) = %v, want [%s]", got, x)
	}
	if next, ok, err := r.NextDueFor("hook"); err != nil || !ok || !next.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("NextDueFor(hook) = %v, %v, %v, want t0+5m, true, nil", next, ok, err)
	}

	r.wantState(t, y, "queued")
	if err := r.Ack(y, t0); err != nil {
		t.Fatal(err)
	}
	err = r.RetryAll([]outbox.Reschedule{{ID: x, Next: t0.Add(time.Hour), LastError: "again"}, {ID: y, Next: t0.Add(time.Hour)}})
	wantNotFound(t, "RetryAll(queued, acknowledged)", err)
	checkEntry(t, r.queued(t, x), outbox.Entry{ID: x, AlertID: a.ID, Notifier: "hook", Alert: a, Attempts: 1,
		Created: t0, NextAttempt: t0.Add(5 * time.Minute), FirstDue: t0, LastError: "503", Digest: true})
}

// Defer moves an entry without counting an attempt and sets its digest
// flag; it keeps aging from FirstDue.
func testDefer(t *testing.T, r *rig) {
	a := alert("a")
	r.queue(t, outbox.QueuedAlert{Alert: a, Notifiers: []string{"mail"}})
	id := outbox.EntryID(a.ID, "mail")
	if err := r.RetryAll([]outbox.Reschedule{{ID: id, Next: t0.Add(time.Minute), LastError: "451"}}); err != nil {
		t.Fatal(err)
	}
	end := t0.Add(8 * time.Hour)
	if err := r.Defer(id, end, true); err != nil {
		t.Fatalf("Defer(%s): %v", id, err)
	}
	checkEntry(t, r.queued(t, id), outbox.Entry{ID: id, AlertID: a.ID, Notifier: "mail", Alert: a, Attempts: 1,
		Created: t0, NextAttempt: end, FirstDue: t0, LastError: "451", Digest: true})
	if got := r.due(t, "mail", end.Add(-time.Nanosecond), 0); len(got) != 0 {
		t.Errorf("DueFor(mail) before the deferred time = %v, want none", ids(got))
	}
	if err := r.Defer(id, end, false); err != nil {
		t.Fatalf("Defer(%s, not digest): %v", id, err)
	}
	if e := r.queued(t, id); e.Digest {
		t.Errorf("Defer(%s, digest false) kept Digest true", id)
	}
	wantNotFound(t, "Defer(unknown entry)", r.Defer(outbox.EntryID("nope", "mail"), end, false))
}

// Dead moves an entry to the dead letters with its alert; Announce gives
// every dead letter to build once, oldest first, and queues the notices.
func testDeadAnnouncedOnce(t *testing.T, r *rig) {
	a, b := alert("a"), alert("b")
	r.queue(t, outbox.QueuedAlert{Alert: a, Notifiers: []string{"hook"}}, outbox.QueuedAlert{Alert: b, Notifiers: []string{"hook"}})
	x, y := outbox.EntryID(a.ID, "hook"), outbox.EntryID(b.ID, "hook")
	if got, _ := r.announce(t, "ops"); got != nil {
		t.Errorf("Announce with nothing to announce called build with %+v", *got)
	}
	if err := r.RetryAll([]outbox.Reschedule{{ID: y, Next: t0, LastError: "503"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Dead(y, "410 Gone", t0.Add(time.Minute)); err != nil {
		t.Fatalf("Dead(%s): %v", y, err)
	}
	if err := r.Dead(x, "401 Unauthorized", t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("Dead(%s): %v", x, err)
	}
	dead, err := r.DeadLetters()
	if err != nil || len(dead) != 2 {
		t.Fatalf("DeadLetters() = %v, %v, want two", ids(dead), err)
	}
	for _, e := range dead {
		if e.ID == y {
			checkEntry(t, e, outbox.Entry{ID: y, AlertID: b.ID, Notifier: "hook", Alert: b, Attempts: 2,
				Created: t0, NextAttempt: t0, FirstDue: t0, LastError: "410 Gone", DeadAt: t0.Add(time.Minute)})
		}
	}
	r.wantState(t, x, "dead")
	r.wantState(t, y, "dead")
	wantNotFound(t, "Dead(dead entry)", r.Dead(x, "again", t0.Add(time.Hour)))
	wantNotFound(t, "Ack(dead entry)", r.Ack(x, t0.Add(time.Hour)))
	wantNotFound(t, "Defer(dead entry)", r.Defer(x, t0.Add(time.Hour), false))
	if _, ok, _ := r.NextDueFor("hook"); ok {
		t.Errorf("NextDueFor(hook) found an entry after both died")
	}

	got, queued := r.announce(t, "ops")
	if got == nil || !slices.Equal(got.dead, []string{y, x}) || len(got.disabled) != 0 {
		t.Fatalf("Announce gave build %+v, want dead [%s %s] (oldest first), no disabled", got, y, x)
	}
	wantQueued := []string{notice("dead:"+y, nil).Alert.ID, notice("dead:"+x, nil).Alert.ID}
	if !slices.Equal(queued, wantQueued) {
		t.Errorf("Announce queued %v, want %v", queued, wantQueued)
	}
	if due := ids(r.due(t, "ops", r.clock.Now(), 0)); len(due) != 2 {
		t.Errorf("DueFor(ops) after Announce = %v, want the two notices, due at once", due)
	}
	if got, queued := r.announce(t, "ops"); got != nil || len(queued) != 0 {
		t.Errorf("second Announce gave build %+v and queued %v, want neither", got, queued)
	}
}

// A notice that cannot be delivered raises no notice of its own.
func testDeadNoticeNotAnnounced(t *testing.T, r *rig) {
	n := notice("health", []string{"ops"})
	r.queue(t, n)
	id := outbox.EntryID(n.Alert.ID, "ops")
	if err := r.Dead(id, "500 forever", t0.Add(time.Hour)); err != nil {
		t.Fatalf("Dead(%s): %v", id, err)
	}
	r.wantState(t, id, "dead")
	if got, _ := r.announce(t, "ops"); got != nil {
		t.Errorf("Announce after a notice died gave build %+v, want no call", *got)
	}
}

// An Announce whose notices are invalid queues and marks nothing; one
// whose build returns nothing (no recipients) still marks.
func testAnnounceFailureMarksNothing(t *testing.T, r *rig) {
	r.queue(t, outbox.QueuedAlert{Alert: alert("a"), Notifiers: []string{"hook"}})
	id := outbox.EntryID("a", "hook")
	if err := r.Dead(id, "400", t0); err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, err := r.Announce(func([]outbox.Entry, []outbox.DisabledNotifier) []outbox.QueuedAlert {
		calls++
		return []outbox.QueuedAlert{{Alert: news.Alert{Title: "no id"}, Notifiers: []string{"ops"}}}
	})
	if err == nil || calls != 1 {
		t.Fatalf("Announce(invalid notice) = %v after %d build calls, want an error after 1", err, calls)
	}
	if q, _ := r.Queued(); len(q) != 0 {
		t.Errorf("failed Announce queued %v", ids(q))
	}
	queued, err := r.Announce(func(dead []outbox.Entry, _ []outbox.DisabledNotifier) []outbox.QueuedAlert {
		calls++
		if !slices.Equal(ids(dead), []string{id}) {
			t.Errorf("Announce after a failed one gave dead %v, want [%s] again", ids(dead), id)
		}
		return nil
	})
	if err != nil || len(queued) != 0 || calls != 2 {
		t.Errorf("Announce(no recipients) = %v, %v after %d build calls, want nothing queued, nil, 2 calls", queued, err, calls)
	}
	if got, _ := r.announce(t, "ops"); got != nil {
		t.Errorf("Announce after one that queued nothing gave build %+v, want no call: it was announced", *got)
	}
}

// A rebuilt notice (same id) is not queued twice, and what it announced
// is marked all the same.
func testAnnounceDeduplicates(t *testing.T, r *rig) {
	r.queue(t, outbox.QueuedAlert{Alert: alert("a"), Notifiers: []string{"hook"}})
	id := outbox.EntryID("a", "hook")
	r.queue(t, notice("dead:"+id, []string{"ops"})) // the notice made before a crash
	if err := r.Dead(id, "400", t0); err != nil {
		t.Fatal(err)
	}
	got, queued := r.announce(t, "ops")
	if got == nil || len(queued) != 0 {
		t.Errorf("Announce of a notice already stored: build %+v, queued %v, want a call and nothing queued", got, queued)
	}
	if got, _ := r.announce(t, "ops"); got != nil {
		t.Errorf("second Announce gave build %+v, want no call", *got)
	}
	if due := r.due(t, "ops", r.clock.Now(), 0); len(due) != 1 {
		t.Errorf("DueFor(ops) = %v, want the one notice", ids(due))
	}
}

// A disabled notifier keeps its entries queued and due, is announced once
// per Disable, and Enable makes its entries due again from now.
func testDisableAnnounceEnable(t *testing.T, r *rig) {
	a, b := alert("a"), alert("b")
	r.queue(t, outbox.QueuedAlert{Alert: a, Notifiers: []string{"hook"}}, outbox.QueuedAlert{Alert: b, Notifiers: []string{"hook", "mail"}})
	x := outbox.EntryID(a.ID, "hook")
	if err := r.RetryAll([]outbox.Reschedule{{ID: x, Next: t0.Add(time.Minute), LastError: "503"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Disable(outbox.DisabledNotifier{Reason: "no name"}); err == nil {
		t.Errorf("Disable(empty name) = nil, want an error")
	}
	d := outbox.DisabledNotifier{Name: "hook", Reason: "410 Gone", Fingerprint: "f1", At: t0.Add(time.Minute)}
	for _, dis := range []outbox.DisabledNotifier{d, {Name: "b-chat", Reason: "channel_is_archived", Fingerprint: "f9", At: t0}} {
		if err := r.Disable(dis); err != nil {
			t.Fatalf("Disable(%s): %v", dis.Name, err)
		}
	}
	all, err := r.DisabledNotifiers()
	if err != nil || len(all) != 2 || all[0].Name != "b-chat" || all[1].Name != "hook" {
		t.Fatalf("DisabledNotifiers() = %+v, %v, want b-chat and hook, by name", all, err)
	}
	if h := all[1]; h.Reason != d.Reason || h.Fingerprint != d.Fingerprint || !h.At.Equal(d.At) || h.Announced {
		t.Errorf("DisabledNotifiers()[hook] = %+v, want %+v", h, d)
	}
	if due := r.due(t, "hook", t0.Add(time.Minute), 0); len(due) != 2 {
		t.Errorf("DueFor(disabled hook) = %v, want both entries: deferring is the dispatcher's", ids(due))
	}

	got, _ := r.announce(t, "ops")
	if got == nil || !slices.Equal(got.disabled, []string{"b-chat", "hook"}) || len(got.dead) != 0 {
		t.Fatalf("Announce gave build %+v, want disabled [b-chat hook]", got)
	}
	if got, _ := r.announce(t, "ops"); got != nil {
		t.Errorf("second Announce gave build %+v, want no call", *got)
	}
	if all, _ := r.DisabledNotifiers(); len(all) != 2 || !all[0].Announced || !all[1].Announced {
		t.Errorf("DisabledNotifiers() after Announce = %+v, want both announced", all)
	}
	// Disabled again (a new settings fingerprint that failed too): a new
	// record, announced again.
	d.Fingerprint, d.At = "f2", t0.Add(time.Hour)
	if err := r.Disable(d); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.announce(t, "ops"); got == nil || !slices.Equal(got.disabled, []string{"hook"}) {
		t.Errorf("Announce after a second Disable(hook) gave build %+v, want disabled [hook]", got)
	}

	now := t0.Add(2 * time.Hour)
	n, err := r.Enable("hook", now)
	if err != nil || n != 2 {
		t.Fatalf("Enable(hook) = %d, %v, want 2, nil", n, err)
	}
	checkEntry(t, r.queued(t, x), outbox.Entry{ID: x, AlertID: a.ID, Notifier: "hook", Alert: a, Attempts: 1,
		Created: t0, NextAttempt: now, FirstDue: now, LastError: "503"})
	if e := r.queued(t, outbox.EntryID(b.ID, "mail")); !e.NextAttempt.Equal(t0) || !e.FirstDue.Equal(t0) {
		t.Errorf("Enable(hook) moved mail's entry to %v (first due %v), want it untouched", e.NextAttempt, e.FirstDue)
	}
	if all, _ := r.DisabledNotifiers(); len(all) != 1 || all[0].Name != "b-chat" {
		t.Errorf("DisabledNotifiers() after Enable(hook) = %+v, want b-chat only", all)
	}
	for _, name := range []string{"hook", "never-disabled"} {
		if n, err := r.Enable(name, now.Add(time.Hour)); n != 0 || err != nil {
			t.Errorf("Enable(%q) of an enabled notifier = %d, %v, want 0, nil", name, n, err)
		}
	}
	if e := r.queued(t, x); !e.NextAttempt.Equal(now) {
		t.Errorf("Enable of an enabled notifier moved %s to %v, want it left at %v", x, e.NextAttempt, now)
	}
}
