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
