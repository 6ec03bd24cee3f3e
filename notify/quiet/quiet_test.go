package quiet

import (
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "22:00", "22-07", "25:00-07:00", "22:00-07:60", "22:00-22:00", "22:00-07:00 Mars/Olympus", "2200-0700", "22:00-7:0"} {
		if w, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, w)
		}
	}
}

func TestContainsAndEnd(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	tests := []struct {
		window  string
		at      time.Time
		inside  bool
		wantEnd time.Time
	}{
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 23, 30, 0, 0, berlin), true, time.Date(2026, 11, 26, 7, 0, 0, 0, berlin)},
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 3, 0, 0, 0, berlin), true, time.Date(2026, 11, 25, 7, 0, 0, 0, berlin)},
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 7, 0, 0, 0, berlin), false, time.Time{}},
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 21, 59, 0, 0, berlin), false, time.Time{}},
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 22, 0, 0, 0, berlin), true, time.Date(2026, 11, 26, 7, 0, 0, 0, berlin)},
		// 21:30 UTC is 22:30 in Berlin in winter.
		{"22:00-07:00 Europe/Berlin", time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC), true, time.Date(2026, 11, 26, 7, 0, 0, 0, berlin)},
		{"12:00-13:00", time.Date(2026, 11, 25, 12, 59, 0, 0, time.UTC), true, time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)},
		{"12:00-13:00", time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC), false, time.Time{}},
		// Spring forward: 02:00-03:00 does not exist on 29 March 2026 in Berlin.
		{"01:00-02:30 Europe/Berlin", time.Date(2026, 3, 29, 1, 30, 0, 0, berlin), true, time.Date(2026, 3, 29, 3, 30, 0, 0, berlin)},
	}
	for _, tt := range tests {
		w, err := Parse(tt.window)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.window, err)
		}
		if got := w.Contains(tt.at); got != tt.inside {
			t.Errorf("Parse(%q).Contains(%v) = %v, want %v", tt.window, tt.at, got, tt.inside)
		}
		want := tt.wantEnd
		if !tt.inside {
			want = tt.at
		}
		if got := w.End(tt.at); !got.Equal(want) {
			t.Errorf("Parse(%q).End(%v) = %v, want %v", tt.window, tt.at, got, want)
		}
		if end := w.End(tt.at); tt.inside && w.Contains(end) {
			t.Errorf("Parse(%q).End(%v) = %v, which is still quiet", tt.window, tt.at, end)
		}
	}
}

func TestZeroWindow(t *testing.T) {
	var w Window
	now := time.Now()
	if w.Contains(now) || !w.End(now).Equal(now) {
		t.Errorf("zero Window is quiet at %v", now)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"22:00-07:00 Europe/Berlin", "12:00-13:00", "00:00-23:59 UTC", "9:05-10:00"} {
		f.Add(s)
	}
	base := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Parse(s)
		if err != nil {
			return
		}
		for m := 0; m < 48*60; m += 37 {
			at := base.Add(time.Duration(m) * time.Minute)
			if end := w.End(at); w.Contains(at) && (w.Contains(end) || !end.After(at)) {
				t.Fatalf("Parse(%q).End(%v) = %v: not after it, or still quiet", s, at, end)
			}
		}
	})
}
