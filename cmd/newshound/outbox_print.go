package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
)

// maxTitleCell bounds the title column, in runes; --json gives it whole.
const maxTitleCell = 40

// writeOutboxTables prints three tables, each under a heading with its
// count:
//
//	QUEUED (1)
//	ID                   NOTIFIER  WATCH      TITLE             AGE     ATTEMPTS  NEXT ATTEMPT          LAST ERROR
//	nh_…/hook            hook      detainees  Detainees moved…  2h0m    3         2026-11-25T10:05:00Z  webhook: 503 …
//
//	DEAD LETTERS (0)
//	DISABLED NOTIFIERS (0)
//
// AGE counts from when the entry first fell due (max_queue_age counts
// from there too); an entry waiting for its digest shows "due in 20h".
func writeOutboxTables(w io.Writer, l outboxList, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "QUEUED (%d)\n", len(l.Queued))
	if len(l.Queued) > 0 {
		fmt.Fprintln(tw, "ID\tNOTIFIER\tWATCH\tTITLE\tAGE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
		for _, e := range l.Queued {
			next := tableTime(e.NextAttempt)
			if e.Digest {
				next += " (digest)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", textsafe.Flatten(e.ID), textsafe.Flatten(e.Notifier), textsafe.Flatten(e.Alert.Watch),
				titleCell(e.Alert.Title), age(e.FirstDue, now), e.Attempts, next, errorCell(e.LastError))
		}
	}
	fmt.Fprintf(tw, "\nDEAD LETTERS (%d)\n", len(l.Dead))
	if len(l.Dead) > 0 {
		fmt.Fprintln(tw, "ID\tNOTIFIER\tWATCH\tTITLE\tDEAD SINCE\tATTEMPTS\tREASON")
		for _, e := range l.Dead {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", textsafe.Flatten(e.ID), textsafe.Flatten(e.Notifier), textsafe.Flatten(e.Alert.Watch),
				titleCell(e.Alert.Title), tableTime(e.DeadAt), e.Attempts, errorCell(e.LastError))
		}
	}
	fmt.Fprintf(tw, "\nDISABLED NOTIFIERS (%d)\n", len(l.Disabled))
	if len(l.Disabled) > 0 {
		fmt.Fprintln(tw, "NAME\tSINCE\tREASON")
		for _, d := range l.Disabled {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", textsafe.Flatten(d.Name), tableTime(d.At), errorCell(d.Reason))
		}
	}
	if len(l.Dead) > 0 || len(l.Disabled) > 0 {
		fmt.Fprintln(tw, "\nRequeue with `newshound outbox retry ID...` or `--all-dead`; re-enable with `newshound outbox enable NAME`.")
	}
	return tw.Flush()
}

// titleCell is the title on one line, without tabs, cut to maxTitleCell
// runes.
func titleCell(s string) string {
	s = strings.Join(strings.Fields(textsafe.Flatten(s)), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > maxTitleCell {
		s = string(r[:maxTitleCell-1]) + "…"
	}
	return s
}

// age is how long ago since was, to the second below a minute and to the
// minute above; "due in …" when since is still ahead (a digest waiting).
func age(since, now time.Time) string {
	if since.IsZero() {
		return "-"
	}
	d := now.Sub(since)
	prefix := ""
	if d < 0 {
		prefix, d = "due in ", -d
	}
	if d < time.Minute {
		return prefix + d.Round(time.Second).String()
	}
	return prefix + strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// outboxJSON is the --json document. Field names are stable for scripts;
// times are RFC 3339 in UTC, omitted when unknown.
type outboxJSON struct {
	Queued   []queuedJSON   `json:"queued"`
	Dead     []deadJSON     `json:"dead"`
	Disabled []disabledJSON `json:"disabled"`
}

type queuedJSON struct {
	ID          string     `json:"id"`
	AlertID     string     `json:"alert_id"`
	Notifier    string     `json:"notifier"`
	Watch       string     `json:"watch"`
	Title       string     `json:"title"`
	URL         string     `json:"url"`
	Created     *time.Time `json:"created,omitempty"`
	FirstDue    *time.Time `json:"first_due,omitempty"`
	AgeSeconds  int64      `json:"age_seconds"` // negative while a digest waits
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Digest      bool       `json:"digest"`
	LastError   string     `json:"last_error,omitempty"`
}

type deadJSON struct {
	ID       string     `json:"id"`
	AlertID  string     `json:"alert_id"`
	Notifier string     `json:"notifier"`
	Watch    string     `json:"watch"`
	Title    string     `json:"title"`
	URL      string     `json:"url"`
	DeadAt   *time.Time `json:"dead_at,omitempty"`
	Attempts int        `json:"attempts"`
	Reason   string     `json:"reason"`
}

type disabledJSON struct {
	Name   string     `json:"name"`
	Since  *time.Time `json:"since,omitempty"`
	Reason string     `json:"reason"`
}

func writeOutboxJSON(w io.Writer, l outboxList, now time.Time) error {
	doc := outboxJSON{Queued: []queuedJSON{}, Dead: []deadJSON{}, Disabled: []disabledJSON{}}
	for _, e := range l.Queued {
		j := queuedJSON{
			ID: e.ID, AlertID: e.AlertID, Notifier: e.Notifier, Watch: e.Alert.Watch, Title: e.Alert.Title, URL: e.Alert.URL,
			Created: optTime(e.Created), FirstDue: optTime(e.FirstDue), Attempts: e.Attempts,
			NextAttempt: optTime(e.NextAttempt), Digest: e.Digest, LastError: e.LastError,
		}
		if !e.FirstDue.IsZero() {
			j.AgeSeconds = int64(now.Sub(e.FirstDue) / time.Second)
		}
		doc.Queued = append(doc.Queued, j)
	}
	for _, e := range l.Dead {
		doc.Dead = append(doc.Dead, deadJSON{
			ID: e.ID, AlertID: e.AlertID, Notifier: e.Notifier, Watch: e.Alert.Watch, Title: e.Alert.Title, URL: e.Alert.URL,
			DeadAt: optTime(e.DeadAt), Attempts: e.Attempts, Reason: e.LastError,
		})
	}
	for _, d := range l.Disabled {
		doc.Disabled = append(doc.Disabled, disabledJSON{Name: d.Name, Since: optTime(d.At), Reason: d.Reason})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
