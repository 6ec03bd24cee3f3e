package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// defaultAlertsLimit is how many alerts `newshound alerts` lists without
// --limit.
const defaultAlertsLimit = 50

// apiTimeout bounds one request to the daemon's API (not a backup).
const apiTimeout = 30 * time.Second

// alertPager reads one page of the alert history: the store itself when
// the daemon is stopped, its HTTP API while it runs.
type alertPager func(store.AlertQuery) (store.AlertPage, error)

// alertsCmd runs `newshound alerts`: stored alerts newest first, with the
// delivery state per notifier. With the daemon stopped it reads the
// database; while the daemon runs (which holds the database) it asks the
// daemon's HTTP API when the config has listen.
func alertsCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	var watch, source, since string
	var limit int
	var asJSON bool
	flags := flag.NewFlagSet("newshound alerts", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.StringVar(&watch, "watch", "", "only alerts of this watch")
	flags.StringVar(&source, "source", "", "only alerts found by this source")
	flags.StringVar(&since, "since", "", "only alerts found within this long (90m, 24h, 7d) or since this RFC 3339 time; default all")
	flags.IntVar(&limit, "limit", defaultAlertsLimit, "list at most this many alerts")
	flags.BoolVar(&asJSON, "json", false, "print one JSON document instead of a table")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound alerts: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	if limit < 1 {
		fmt.Fprintln(stderr, "newshound alerts: --limit must be at least 1")
		return exitUsage
	}
	now := time.Now()
	q := store.AlertQuery{Watch: watch, Source: source}
	if since != "" {
		t, err := parseSince(since, now)
		if err != nil {
			fmt.Fprintf(stderr, "newshound alerts: --since: %v\n", err)
			return exitUsage
		}
		q.Since = t
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	var list alertList
	st, err := openStore(cfg)
	switch {
	case errors.Is(err, errNoDatabase):
		err = nil // nothing has run: no alerts, and no file created
	case errors.Is(err, store.ErrLocked):
		client, cerr := newDaemonClient(cfg, apiTimeout)
		if cerr != nil {
			printLocked(stderr, "alerts", cfg.Data, "or set listen in the config (and restart the daemon) so that alerts can ask the running daemon.")
			return exitFailure
		}
		list, err = readAlerts(func(q store.AlertQuery) (store.AlertPage, error) {
			return client.alerts(context.Background(), q)
		}, q, limit)
	case err != nil:
		printStoreError(stderr, "alerts", cfg, err, "")
		return exitFailure
	default:
		list, err = readAlerts(st.Alerts, q, limit)
		st.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound alerts: %v\n", err)
		return exitFailure
	}
	if asJSON {
		err = writeAlertsJSON(stdout, list)
	} else {
		err = writeAlertsTable(stdout, list, now)
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound alerts: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// alertList is what `newshound alerts` shows: up to --limit alerts, and
// whether more match.
type alertList struct {
	Alerts []store.AlertRecord
	More   bool
}

// readAlerts pages through the history with the cursor until it has
// limit alerts or there are no more.
func readAlerts(page alertPager, q store.AlertQuery, limit int) (alertList, error) {
	var l alertList
	for {
		q.Limit = min(limit-len(l.Alerts), store.MaxAlertLimit)
		p, err := page(q)
		if err != nil {
			return l, err
		}
		l.Alerts = append(l.Alerts, p.Alerts...)
		if p.Next == "" || len(p.Alerts) == 0 {
			return l, nil
		}
		if len(l.Alerts) >= limit {
			l.More = true
			return l, nil
		}
		q.Cursor = p.Next
	}
}

// writeAlertsTable prints one row per alert, newest first:
//
//	FOUND                 WATCH      SOURCE  TITLE                  DELIVERIES
//	2026-11-25T10:00:00Z  detainees  wire    CENTCOM moves detai…   hook delivered, team queued (2 failed), mail DEAD
//
// then the count, and a hint when --limit cut the list.
func writeAlertsTable(w io.Writer, l alertList, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(l.Alerts) > 0 {
		fmt.Fprintln(tw, "FOUND\tWATCH\tSOURCE\tTITLE\tDELIVERIES")
	}
	for _, r := range l.Alerts {
		a := r.Alert
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", tableTime(a.Found), textsafe.Flatten(a.Watch), textsafe.Flatten(a.Source), titleCell(a.Title),
			deliveriesCell(r.Deliveries, now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	switch {
	case l.More:
		_, err = fmt.Fprintf(w, "\n%d alert(s) shown, newest first; more with --limit or --since\n", len(l.Alerts))
	case len(l.Alerts) == 0:
		_, err = fmt.Fprintln(w, "no alerts")
	default:
		_, err = fmt.Fprintf(w, "\n%d alert(s)\n", len(l.Alerts))
	}
	return err
}

// deliveriesCell sums up the deliveries of one alert: each notifier with
// its state; a queued entry with its failed attempts and the next try; a
// dead one in capitals so it stands out, with why.
func deliveriesCell(ds []store.Delivery, now time.Time) string {
	if len(ds) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		name := textsafe.Flatten(d.Notifier)
		switch d.State {
		case store.DeliveryDelivered:
			parts = append(parts, name+" delivered")
		case store.DeliveryQueued:
			s := name + " queued"
			var notes []string
			if d.Attempts > 0 {
				notes = append(notes, fmt.Sprintf("%d failed", d.Attempts))
			}
			if !d.At.IsZero() && d.At.After(now) {
				notes = append(notes, "next "+strings.TrimPrefix(age(d.At, now), "due "))
			}
			if len(notes) > 0 {
				s += " (" + strings.Join(notes, ", ") + ")"
			}
			parts = append(parts, s)
		case store.DeliveryDead:
			s := name + " DEAD"
			if d.LastError != "" {
				s += " (" + errorCell(d.LastError) + ")"
			}
			parts = append(parts, s)
		default:
			parts = append(parts, name+" "+textsafe.Flatten(d.State))
		}
	}
	return strings.Join(parts, ", ")
}

// alertsDoc is the --json document. Field names are stable for scripts
// and the same as those of the daemon's /api/v1/alerts; times are RFC 3339
// in UTC, null when unknown.
type alertsDoc struct {
	Alerts []web.AlertJSON `json:"alerts"`
	// More is true when --limit cut the list.
	More bool `json:"more"`
}

func writeAlertsJSON(w io.Writer, l alertList) error {
	doc := alertsDoc{Alerts: make([]web.AlertJSON, 0, len(l.Alerts)), More: l.More}
	for _, r := range l.Alerts {
		doc.Alerts = append(doc.Alerts, web.NewAlertJSON(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
