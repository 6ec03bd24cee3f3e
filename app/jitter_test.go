package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
)

// TestJitterSpreadsSources: ten thousand sources on "@every 15m" fire at
// offsets over the whole quarter hour, about 11 a second and never many
// more, each at the same offset every quarter hour, and the same after a
// restart.
func TestJitterSpreadsSources(t *testing.T) {
	from := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	slots := map[time.Duration]int{}
	for i := range 10000 {
		src := config.Source{Name: fmt.Sprintf("source-%d", i), Schedule: "@every 15m"}
		j, err := sourceSchedule(src)
		if err != nil {
			t.Fatal(err)
		}
		first := j.Next(from.Add(-time.Second))
		off := first.Sub(from)
		if off < 0 || off >= 15*time.Minute {
			t.Fatalf("sourceSchedule(%q).Next(%v) = %v, want within 15m after it", src.Name, from, first)
		}
		if second := j.Next(first); second.Sub(first) != 15*time.Minute {
			t.Errorf("sourceSchedule(%q): runs at %v then %v, want 15m apart", src.Name, first, second)
		}
		again, _ := sourceSchedule(src)
		if got := again.Next(from.Add(-time.Second)); !got.Equal(first) {
			t.Errorf("sourceSchedule(%q) after a restart: next %v, want %v", src.Name, got, first)
		}
		slots[off]++
	}
	if len(slots) < 890 {
		t.Errorf("10000 sources use %d distinct second offsets, want nearly all of the 900", len(slots))
	}
	for off, n := range slots {
		if n > 30 {
			t.Errorf("%d sources share offset %v, want at most 30 (about 11 each)", n, off)
		}
	}
}

// TestPassBudget: a scheduled pass's budget ends no later than the
// source's next run.
func TestPassBudget(t *testing.T) {
	sched, err := sourceSchedule(config.Source{Name: "wire", Schedule: "@every 15m"})
	if err != nil {
		t.Fatal(err)
	}
	slot := sched.Next(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	tests := []struct {
		passTimeout time.Duration
		at          time.Time
		want        time.Duration
	}{
		{0, slot, 10 * time.Minute},
		{time.Minute, slot, time.Minute},
		{time.Hour, slot, 15 * time.Minute},
		{0, slot.Add(12 * time.Minute), 3 * time.Minute},
		{0, slot.Add(15*time.Minute - time.Millisecond), minPassBudget},
	}
	for _, tt := range tests {
		if got := passBudget(tt.passTimeout, sched, tt.at); got != tt.want {
			t.Errorf("passBudget(%v, @every 15m, slot+%v) = %v, want %v", tt.passTimeout, tt.at.Sub(slot), got, tt.want)
		}
	}
}

func TestJitteredSchedules(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 7, 30, 0, time.UTC)
	tests := []struct {
		schedule  string
		interval  time.Duration
		maxOffset time.Duration
	}{
		{"@every 15m", 15 * time.Minute, 15 * time.Minute},
		{"@every 1s", time.Second, 0},
		{"@every 24h", 24 * time.Hour, time.Hour},
		{"0 * * * *", time.Hour, time.Hour},
		{"*/10 * * * *", 10 * time.Minute, 10 * time.Minute},
	}
	for _, tt := range tests {
		j, err := sourceSchedule(config.Source{Name: "wire", Schedule: tt.schedule})
		if err != nil {
			t.Fatalf("sourceSchedule(%q): %v", tt.schedule, err)
		}
		if j.interval != tt.interval || j.offset < 0 || j.offset >= max(tt.maxOffset, time.Nanosecond) {
			t.Errorf("sourceSchedule(%q) = interval %v offset %v, want %v and offset < %v", tt.schedule, j.interval, j.offset, tt.interval, tt.maxOffset)
		}
		next := j.Next(at)
		if !next.After(at) || next.Sub(at) > tt.interval {
			t.Errorf("sourceSchedule(%q).Next(%v) = %v, want within one interval after", tt.schedule, at, next)
		}
		plain := next.Add(-j.offset)
		aligned := plain.Truncate(tt.interval).Equal(plain) // "@every": anchored to the clock
		if j.every == 0 {
			aligned = j.inner.Next(plain.Add(-time.Second)).Equal(plain)
		}
		if !aligned {
			t.Errorf("sourceSchedule(%q).Next(%v) = %v: minus the offset %v it is not an activation of the plain schedule", tt.schedule, at, next, j.offset)
		}
	}
	if _, err := sourceSchedule(config.Source{Name: "x", Schedule: "every now and then"}); err == nil {
		t.Error(`sourceSchedule("every now and then") = nil error, want one`)
	}
}
