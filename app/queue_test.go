package app

import (
	"testing"
	"time"
)

// TestPassQueue: a source is in the queue at most once, waiting or
// running; one that falls due while waiting keeps its place and stands
// for the later time; one that falls due while running is queued again,
// once, when its pass ends.
func TestPassQueue(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	q := newPassQueue()
	steps := []struct {
		name string
		due  time.Time
		want admission
	}{
		{"a", t0, admitted},
		{"b", t0, admitted},
		{"a", t0.Add(time.Minute), alreadyWaiting},
		{"a", t0.Add(2 * time.Minute), alreadyWaiting},
	}
	for _, s := range steps {
		if got := q.push(s.name, s.due); got != s.want {
			t.Errorf("push(%q, %v) = %v, want %v", s.name, s.due, got, s.want)
		}
	}
	if w, r := q.len(); w != 2 || r != 0 {
		t.Fatalf("len() = %d waiting, %d running, want 2, 0", w, r)
	}
	p, ok := q.take()
	if !ok || p.name != "a" || !p.due.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("take() = %+v, %v, want a due at its latest time", p, ok)
	}
	if got := q.push("a", t0.Add(3*time.Minute)); got != afterRunning {
		t.Errorf("push(a) while it runs = %v, want afterRunning", got)
	}
	if got := q.push("a", t0.Add(4*time.Minute)); got != afterRunning {
		t.Errorf("push(a) again while it runs = %v, want afterRunning", got)
	}
	q.done("a")
	for _, want := range []queuedPass{{"b", t0}, {"a", t0.Add(4 * time.Minute)}} {
		p, ok := q.take()
		if !ok || p.name != want.name || !p.due.Equal(want.due) {
			t.Fatalf("take() = %+v, %v, want %+v", p, ok, want)
		}
		q.done(p.name)
	}
	if w, r := q.len(); w != 0 || r != 0 {
		t.Fatalf("len() after every pass = %d waiting, %d running, want 0, 0", w, r)
	}
	if got := q.push("a", t0); got != admitted {
		t.Errorf("push(a) after its pass = %v, want admitted", got)
	}
	q.close()
	if p, ok := q.take(); ok {
		t.Errorf("take() after close = %+v, true, want false", p)
	}
	if got := q.push("c", t0); got != queueClosed {
		t.Errorf("push(c) after close = %v, want queueClosed", got)
	}
}

func TestPoolSize(t *testing.T) {
	for _, tt := range []struct{ maxInFlight, want int }{{1, 2}, {4, 2}, {8, 4}, {16, 8}, {64, 32}} {
		if got := poolSize(tt.maxInFlight); got != tt.want {
			t.Errorf("poolSize(%d) = %d, want %d", tt.maxInFlight, got, tt.want)
		}
	}
}
