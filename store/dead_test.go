package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/news"
)

// TestRequeueDead: the dead letter goes back to the outbox due now, with
// attempts and last error kept, FirstDue reset, and it is no longer dead
// nor waiting to be announced.
func TestRequeueDead(t *testing.T) {
	s, _ := openTest(t)
	ids := queue(t, s, "hook", "https://example.com/a", "https://example.com/b", "https://example.com/c")
	for i, id := range ids {
		if err := s.Dead(id, "404", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(3 * time.Hour)
	if err := s.RequeueDead(ids[1], later); err != nil {
		t.Fatal(err)
	}
	q, err := s.DueFor("hook", later, 0)
	if err != nil || len(q) != 1 {
		t.Fatalf("DueFor(hook) after RequeueDead = %q, %v; want one", entryIDs(q), err)
	}
	e := q[0]
	if e.ID != ids[1] || e.Attempts != 1 || e.LastError != "404" || !e.NextAttempt.Equal(later) ||
		!e.FirstDue.Equal(later) || !e.Created.Equal(t0) || e.Alert.URL != "https://example.com/b" {
		t.Errorf("requeued entry = %+v", e)
	}
	if d, _ := s.DeadLetters(); !slices.Equal(entryIDs(d), []string{ids[0], ids[2]}) {
		t.Errorf("DeadLetters() = %q, want %q", entryIDs(d), []string{ids[0], ids[2]})
	}
	var announced []string
	if _, err := s.Announce(func(dead []Entry, _ []DisabledNotifier) []QueuedAlert {
		announced = entryIDs(dead)
		return nil
	}); err != nil || !slices.Equal(announced, []string{ids[0], ids[2]}) {
		t.Errorf("Announce saw %q, %v; want the two still dead", announced, err)
	}
	if err := s.RequeueDead(ids[1], later); !errors.Is(err, ErrNotFound) {
		t.Errorf("RequeueDead(queued entry) error = %v, want ErrNotFound", err)
	}
	n, err := s.RequeueAllDead(later)
	if err != nil || n != 2 {
		t.Errorf("RequeueAllDead() = %d, %v; want 2", n, err)
	}
	if d, _ := s.DeadLetters(); len(d) != 0 {
		t.Errorf("DeadLetters() after RequeueAllDead = %q, want none", entryIDs(d))
	}
	if q, _ := s.Queued(); len(q) != 3 {
		t.Errorf("Queued() after RequeueAllDead = %q, want all three", entryIDs(q))
	}
	// Delivered after requeueing: one state only.
	if err := s.Ack(ids[0], later); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Delivered(ids[0]); !ok {
		t.Errorf("Delivered(%s) = false after Ack", ids[0])
	}
}

// notice returns a delivery notice alert for the given ids.
func notice(ids ...string) QueuedAlert {
	a := news.Alert{ID: news.AlertID(news.WatchDelivery, ids[0]), Watch: news.WatchDelivery, Title: "could not deliver"}
	return QueuedAlert{Alert: a, Notifiers: []string{"ops"}}
}

// TestAnnounce: dead letters and disabled notifiers are handed to build
// once; the notices it returns are queued in the same transaction; a
// notice's own dead letter is never listed.
func TestAnnounce(t *testing.T) {
	s, _ := openTest(t)
	ids := queue(t, s, "hook", "https://example.com/a", "https://example.com/b")
	if err := s.Dead(ids[1], "404", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Dead(ids[0], "404", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	gone := DisabledNotifier{Name: "chat", Reason: "410 Gone", Fingerprint: "f1", At: t0}
	if err := s.Disable(gone); err != nil {
		t.Fatal(err)
	}
	var gotDead []string
	var gotDisabled []DisabledNotifier
	build := func(dead []Entry, disabled []DisabledNotifier) []QueuedAlert {
		gotDead, gotDisabled = entryIDs(dead), disabled
		if len(dead) == 0 {
			return nil
		}
		return []QueuedAlert{notice(gotDead...)}
	}
	queued, err := s.Announce(build)
	n := notice(ids[1], ids[0])
	if err != nil || !slices.Equal(queued, []string{n.Alert.ID}) {
		t.Fatalf("Announce() = %q, %v; want [%s]", queued, err, n.Alert.ID)
	}
	if want := []string{ids[1], ids[0]}; !slices.Equal(gotDead, want) {
		t.Errorf("build got dead %q, want %q (oldest first)", gotDead, want)
	}
	if diff := cmp.Diff([]DisabledNotifier{gone}, gotDisabled); diff != "" {
		t.Errorf("build got disabled (-want +got):\n%s", diff)
	}
	if d, _ := s.DisabledNotifiers(); len(d) != 1 || !d[0].Announced {
		t.Errorf("DisabledNotifiers() after Announce = %+v, want chat announced", d)
	}
	called := false
	if q, err := s.Announce(func([]Entry, []DisabledNotifier) []QueuedAlert { called = true; return nil }); err != nil || called || q != nil {
		t.Errorf("second Announce() = %q, %v, build called %v; want nothing to announce", q, err, called)
	}
	// The notice itself dies: nothing new to announce.
	if err := s.Dead(entryID(n.Alert.ID, "ops"), "500 forever", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Announce(func([]Entry, []DisabledNotifier) []QueuedAlert { called = true; return nil }); err != nil || called {
		t.Errorf("Announce() after the notice died: build called %v, %v; want not called", called, err)
	}
	if d, _ := s.DeadLetters(); len(d) != 3 {
		t.Errorf("DeadLetters() = %q, want 3 (the notice is kept as a dead letter)", entryIDs(d))
	}
}

// TestAnnounceIsAtomic: notices that fail validation mark nothing, so the
// next Announce sees the same work; a notice already stored (a crash after
// it was queued is impossible, but a rebuilt ID may repeat) is not queued
// twice and the work is still marked.
func TestAnnounceIsAtomic(t *testing.T) {
	s, _ := openTest(t)
	id := queue(t, s, "hook", "https://example.com/a")[0]
	if err := s.Dead(id, "404", t0); err != nil {
		t.Fatal(err)
	}
	bad := notice(id)
	bad.Notifiers = []string{""}
	if q, err := s.Announce(func([]Entry, []DisabledNotifier) []QueuedAlert {
		return []QueuedAlert{notice("other"), bad}
	}); err == nil || q != nil {
		t.Fatalf("Announce(invalid notice) = %q, %v; want an error", q, err)
	}
	if _, ok, _ := s.Alert(notice("other").Alert.ID); ok {
		t.Error("the valid notice of a failed Announce was stored")
	}
	// Store the notice's ID beforehand: Announce must not queue it again.
	if _, err := s.Queue([]QueuedAlert{notice(id)}); err != nil {
		t.Fatal(err)
	}
	var again []string
	q, err := s.Announce(func(dead []Entry, _ []DisabledNotifier) []QueuedAlert {
		again = entryIDs(dead)
		return []QueuedAlert{notice(id)}
	})
	if err != nil || q != nil || !slices.Equal(again, []string{id}) {
		t.Errorf("Announce() after a failed one = %q, %v, saw %q; want the same dead letter, notice deduplicated", q, err, again)
	}
	if d, _ := s.Queued(); len(d) != 1 {
		t.Errorf("Queued() = %q, want the one notice entry", entryIDs(d))
	}
}

// TestAnnounceSurvivesRestart: Dead lists the dead letter for Announce in
// its own transaction, so a crash (here: a close and reopen) between the
// two loses nothing.
func TestAnnounceSurvivesRestart(t *testing.T) {
	s, path := openTest(t)
	id := queue(t, s, "hook", "https://example.com/a")[0]
	if err := s.Dead(id, "404", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	if _, err := s.Announce(func(dead []Entry, _ []DisabledNotifier) []QueuedAlert {
		got = entryIDs(dead)
		return nil
	}); err != nil || !slices.Equal(got, []string{id}) {
		t.Errorf("Announce() after reopening saw %q, %v; want [%s]", got, err, id)
	}
}
