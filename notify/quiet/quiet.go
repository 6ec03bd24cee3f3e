// Package quiet reads and applies a notifier's quiet hours: a daily window
// of local clock time, such as "22:00-07:00 Europe/Berlin", during which
// the notifier sends nothing. Messages that fall due inside the window wait
// for its end and then go out together as one digest.
package quiet

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is a daily span of wall-clock time in one location. The zero
// Window is never quiet.
type Window struct {
	start, end int // minutes after midnight; start != end
	loc        *time.Location
	text       string
}

// Parse reads "HH:MM-HH:MM" optionally followed by a space and an IANA time
// zone name ("22:00-07:00 Europe/Berlin"). Without a zone the window is in
// UTC, the same for every host the daemon may move to. A window whose end is
// earlier than its start spans midnight. Start and end must differ.
func Parse(s string) (Window, error) {
	text := strings.TrimSpace(s)
	span, zone, _ := strings.Cut(text, " ")
	zone = strings.TrimSpace(zone)
	from, to, ok := strings.Cut(span, "-")
	if !ok {
		return Window{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM [Time/Zone]", s)
	}
	start, err := clock(from)
	if err != nil {
		return Window{}, fmt.Errorf("quiet hours %q: start: %w", s, err)
	}
	end, err := clock(to)
	if err != nil {
		return Window{}, fmt.Errorf("quiet hours %q: end: %w", s, err)
	}
	if start == end {
		return Window{}, fmt.Errorf("quiet hours %q: start and end are the same time", s)
	}
	loc := time.UTC
	if zone != "" {
		if loc, err = time.LoadLocation(zone); err != nil {
			return Window{}, fmt.Errorf("quiet hours %q: unknown time zone %q", s, zone)
		}
	}
	return Window{start: start, end: end, loc: loc, text: text}, nil
}

// clock reads HH:MM (24-hour; 24:00 is not accepted).
func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 23:59", s)
	}
	return hh*60 + mm, nil
}

// IsZero reports whether w is the zero Window (no quiet hours).
func (w Window) IsZero() bool { return w.loc == nil }

// String returns the window as written.
func (w Window) String() string { return w.text }

// Contains reports whether t falls inside the window.
func (w Window) Contains(t time.Time) bool {
	if w.IsZero() {
		return false
	}
	lt := t.In(w.loc)
	m := lt.Hour()*60 + lt.Minute()
	if w.start < w.end {
		return m >= w.start && m < w.end
	}
	return m >= w.start || m < w.end
}

// End returns when the window that contains t ends; for t outside the
// window it returns t. Around a daylight-saving change the end is the
// first instant whose wall clock reads the end time or later.
func (w Window) End(t time.Time) time.Time {
	if !w.Contains(t) {
		return t
	}
	lt := t.In(w.loc)
	day := lt
	if w.start > w.end && lt.Hour()*60+lt.Minute() >= w.start {
		day = lt.AddDate(0, 0, 1) // the window runs past midnight
	}
	end := time.Date(day.Year(), day.Month(), day.Day(), w.end/60, w.end%60, 0, 0, w.loc)
	if !end.After(t) { // a clock jump skipped the end time
		end = t.Add(time.Minute).Truncate(time.Minute)
	}
	return end
}
