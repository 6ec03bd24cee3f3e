package crashloop

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Verdict is what Check found in one loop's deliveries.
type Verdict struct {
	Expected   int // alerts the published articles must raise
	Delivered  int // expected alerts delivered at least once
	Deliveries int // well-formed requests received, repeats included
	Repeats    int // Deliveries beyond the first of each id
	MaxRepeats int // most repeats of one id
	Cut        int // requests whose body never arrived whole (sender killed)
	// MaxAckLag is, over the explained repeats, the longest time from the
	// earlier delivery reaching the receiver to the death of the run that
	// made it, with its ack still unrecorded: the longest a daemon was
	// seen to leave a confirmed send unrecorded.
	MaxAckLag time.Duration
	// MaxAckLagBy is MaxAckLag per notifier.
	MaxAckLagBy map[string]time.Duration
	// RepeatsBy counts the repeats per notifier.
	RepeatsBy map[string]int
	// MaxRepeatsPerKill is the most repeats one kill explains (over all
	// notifiers: each sends in parallel, so one kill can interrupt one
	// send of each).
	MaxRepeatsPerKill int
	// RepeatsAnswered counts the repeats whose earlier delivery had its 2xx
	// written: the kill came between the answer and the recorded ack,
	// rather than before the answer.
	RepeatsAnswered int

	Missing     []string // expected ids never delivered
	Unexpected  []string // delivered ids nobody expected (traps, unknown)
	Invalid     []string // malformed requests: signature, ids, payload
	Unexplained []string // repeats no kill accounts for
}

// Key names one delivery route: notifier and alert id ("hook/nh_…").
func Key(notifier, id string) string { return notifier + "/" + id }

// Check applies the rules of the package documentation. expected holds
// Keys; deaths[r] is when run r was known dead after its SIGKILL (runs
// from len(deaths) on were not killed: the final run); acked reports
// whether the store marked a delivery's entry delivered when the run that
// made it was dead.
func Check(expected map[string]bool, deliveries []Delivery, deaths []time.Time, acked func(Delivery) bool) Verdict {
	v := Verdict{Expected: len(expected), RepeatsBy: map[string]int{}, MaxAckLagBy: map[string]time.Duration{}}
	byID := map[string][]Delivery{}
	for _, d := range deliveries {
		switch {
		case d.Cut:
			v.Cut++
		case d.Problem != "":
			v.Invalid = append(v.Invalid, fmt.Sprintf("%s from run %d at %s: %s", Key(d.Notifier, d.ID), d.Run, d.Start.Format("15:04:05.000"), d.Problem))
		default:
			v.Deliveries++
			byID[Key(d.Notifier, d.ID)] = append(byID[Key(d.Notifier, d.ID)], d)
		}
	}
	for id := range expected {
		if len(byID[id]) == 0 {
			v.Missing = append(v.Missing, id)
		} else {
			v.Delivered++
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	perKill := map[int]int{} // run → repeats its death explains
	for _, id := range ids {
		ds := byID[id]
		if !expected[id] {
			v.Unexpected = append(v.Unexpected, fmt.Sprintf("%s (%d deliveries)", id, len(ds)))
		}
		slices.SortFunc(ds, func(a, b Delivery) int { return a.Start.Compare(b.Start) })
		v.Repeats += len(ds) - 1
		v.RepeatsBy[ds[0].Notifier] += len(ds) - 1
		v.MaxRepeats = max(v.MaxRepeats, len(ds)-1)
		for j := 1; j < len(ds); j++ {
			prev, next := ds[j-1], ds[j]
			lag, why := explained(prev, next, deaths, acked)
			if why != "" {
				v.Unexplained = append(v.Unexplained, fmt.Sprintf("%s delivered by run %d at %s and again by run %d at %s: %s",
					id, prev.Run, prev.Start.Format("15:04:05.000"), next.Run, next.Start.Format("15:04:05.000"), why))
				continue
			}
			v.MaxAckLag = max(v.MaxAckLag, lag)
			v.MaxAckLagBy[prev.Notifier] = max(v.MaxAckLagBy[prev.Notifier], lag)
			if prev.Answered {
				v.RepeatsAnswered++
			}
			perKill[prev.Run]++
			v.MaxRepeatsPerKill = max(v.MaxRepeatsPerKill, perKill[prev.Run])
		}
	}
	sort.Strings(v.Missing)
	return v
}

// explained says why the death of the run that delivered prev does not
// account for delivering it again in next, or "" when it does: that run
// was killed before the store recorded prev's ack, and next came from a
// later run. lag is the time from prev to that death (negative when the
// killed run's request reached the handler after the process had died).
func explained(prev, next Delivery, deaths []time.Time, acked func(Delivery) bool) (lag time.Duration, why string) {
	switch {
	case next.Run == prev.Run:
		return 0, "twice in one run"
	case next.Run < prev.Run:
		return 0, "the repeat came from an earlier run"
	case prev.Run < 0 || prev.Run >= len(deaths):
		return 0, "the first run was not killed"
	case acked(prev):
		return 0, "the store had recorded the first delivery when its run died"
	}
	return deaths[prev.Run].Sub(prev.Start), ""
}

// problems lists every rule the verdict breaks, given the number of kills.
func (v Verdict) problems(kills int) []string {
	var out []string
	add := func(what string, list []string) {
		if len(list) == 0 {
			return
		}
		shown := list[:min(len(list), 10)]
		out = append(out, fmt.Sprintf("%d %s: %v", len(list), what, shown))
	}
	add("expected alerts never delivered", v.Missing)
	add("alerts delivered that were not expected", v.Unexpected)
	add("malformed requests", v.Invalid)
	add("repeats not explained by a kill", v.Unexplained)
	// The limit applies per receiver: each notifier sends on its own, so
	// one kill can leave one send of each in flight.
	notifiers := make([]string, 0, len(v.RepeatsBy))
	for n := range v.RepeatsBy {
		notifiers = append(notifiers, n)
	}
	sort.Strings(notifiers)
	for _, n := range notifiers {
		if v.RepeatsBy[n] > kills {
			out = append(out, fmt.Sprintf("%d repeats through %s, more than the %d kills", v.RepeatsBy[n], n, kills))
		}
	}
	return out
}
