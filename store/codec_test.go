package store

import (
	"bytes"
	"cmp"
	"testing"
	"time"
)

// FuzzDueKey checks the due index encoding: keys sort exactly as
// (next attempt, entry id) do, and the time reads back.
func FuzzDueKey(f *testing.F) {
	f.Add(int64(0), "nh_a/slack", int64(1), "nh_a/mail")
	f.Add(t0.UnixNano(), "nh_b/x", t0.UnixNano(), "nh_a/x")
	f.Add(int64(1)<<40, "", int64(1)<<41, "\xff")
	f.Add(int64(255), "a", int64(256), "a")
	f.Fuzz(func(t *testing.T, n1 int64, id1 string, n2 int64, id2 string) {
		// Only times from 1970 on are representable; earlier ones clamp.
		n1, n2 = max(n1, 0), max(n2, 0)
		t1, t2 := time.Unix(0, n1), time.Unix(0, n2)
		k1, k2 := dueKey(t1, id1), dueKey(t2, id2)
		want := cmp.Or(cmp.Compare(n1, n2), cmp.Compare(id1, id2))
		if got := bytes.Compare(k1, k2); got != want {
			t.Errorf("bytes.Compare(dueKey(%v, %q), dueKey(%v, %q)) = %d, want %d", t1, id1, t2, id2, got, want)
		}
		if got, err := dueTime(k1); err != nil || !got.Equal(t1) {
			t.Errorf("dueTime(dueKey(%v, %q)) = %v, %v; want %v", t1, id1, got, err, t1)
		}
	})
}

func TestDueKeyClamps(t *testing.T) {
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Time{}, time.Unix(0, 0)},
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 1<<63-1)},
	}
	for _, tt := range tests {
		got, err := dueTime(dueKey(tt.in, "id"))
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("dueTime(dueKey(%v)) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzDueIndexKey checks the v4 due index encoding: the notifier and the
// time read back, and every key of a notifier sorts inside its own range
// (after duePrefix, before the prefix of any other notifier that sorts
// after it), so DueFor never reads another notifier's entries.
func FuzzDueIndexKey(f *testing.F) {
	f.Add("slack", int64(0), "nh_a/slack", "slack-2", int64(1), "nh_b/slack-2")
	f.Add("a", t0.UnixNano(), "nh_b/a", "a.b", t0.UnixNano(), "nh_a/a.b")
	f.Add("ab", int64(1)<<62, "\xff\xff", "a", int64(0), "")
	f.Fuzz(func(t *testing.T, n1 string, ns1 int64, id1, n2 string, ns2 int64, id2 string) {
		if validNotifier(n1) != nil || validNotifier(n2) != nil || id1 == "" {
			return // the store never writes such keys
		}
		t1 := time.Unix(0, max(ns1, 0))
		k1 := dueIndexKey(n1, t1, id1)
		name, rest, err := splitDueIndexKey(k1)
		if err != nil || name != n1 {
			t.Fatalf("splitDueIndexKey(dueIndexKey(%q, …)) = %q, %v", n1, name, err)
		}
		if got, err := dueTime(rest); err != nil || !got.Equal(t1) {
			t.Errorf("dueTime = %v, %v; want %v", got, err, t1)
		}
		if !bytes.HasPrefix(k1, duePrefix(n1)) {
			t.Errorf("key %q lacks its notifier's prefix", k1)
		}
		if n1 == n2 {
			return
		}
		// A key of n2 is never inside n1's range.
		k2 := dueIndexKey(n2, time.Unix(0, max(ns2, 0)), id2)
		if bytes.HasPrefix(k2, duePrefix(n1)) {
			t.Errorf("key %q of %q falls in the range of %q", k2, n2, n1)
		}
		// Whole ranges are ordered as the names are, so a seek past one
		// notifier's range lands on the next notifier's.
		if want, got := cmp.Compare(n1, n2), bytes.Compare(k1, k2); want != got {
			t.Errorf("keys of %q and %q compare %d, names %d", n1, n2, got, want)
		}
	})
}
