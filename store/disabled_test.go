package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDisableEnable(t *testing.T) {
	s, _ := openTest(t)
	ids := queue(t, s, "chat", "https://example.com/a", "https://example.com/b")
	other := queue(t, s, "chatx", "https://example.com/c")[0]
	for _, id := range append(ids, other) {
		if err := s.Defer(id, t0.Add(48*time.Hour), false); err != nil {
			t.Fatal(err)
		}
	}
	first := DisabledNotifier{Name: "chat", Reason: "410 Gone", Fingerprint: "f1", At: t0}
	second := DisabledNotifier{Name: "chat", Reason: "channel_is_archived", Fingerprint: "f2", At: t0.Add(time.Minute)}
	for _, d := range []DisabledNotifier{first, second, {Name: "mail", Reason: "x", At: t0}} {
		if err := s.Disable(d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DisabledNotifiers()
	want := []DisabledNotifier{second, {Name: "mail", Reason: "x", At: t0}}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("DisabledNotifiers() mismatch (-want +got), err %v:\n%s", err, diff)
	}
	if err := s.Disable(DisabledNotifier{}); err == nil {
		t.Error("Disable(no name) succeeded, want an error")
	}

	now := t0.Add(time.Hour)
	n, err := s.Enable("chat", now)
	if err != nil || n != 2 {
		t.Errorf("Enable(chat) = %d, %v; want 2", n, err)
	}
	due, _ := s.DueFor("chat", now, 0)
	for _, e := range due {
		if !e.NextAttempt.Equal(now) || !e.FirstDue.Equal(now) || e.Attempts != 0 {
			t.Errorf("enabled entry = %+v; want due and first due at %v", e, now)
		}
	}
	if len(due) != 2 {
		t.Errorf("DueFor(chat) after Enable = %q, want both", entryIDs(due))
	}
	if due, _ := s.DueFor("chatx", now, 0); len(due) != 0 {
		t.Errorf("DueFor(chatx) after Enable(chat) = %q; want another notifier untouched", entryIDs(due))
	}
	if n, err := s.Enable("chat", now); err != nil || n != 0 {
		t.Errorf("Enable(chat) again = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.Enable("chatx", now); err != nil || n != 0 {
		t.Errorf("Enable(chatx, never disabled) = %d, %v; want 0, nil (nothing changed)", n, err)
	}
	if got, _ := s.DisabledNotifiers(); len(got) != 1 || got[0].Name != "mail" {
		t.Errorf("DisabledNotifiers() after Enable = %+v, want mail only", got)
	}
}
