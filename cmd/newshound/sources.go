package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// maxErrorCell bounds the last error in the table, in runes; --json gives
// it whole.
const maxErrorCell = 60

// sourcesCmd runs `newshound sources`: one page of the configured
// sources' health (--filter, --limit, --cursor; trouble first, by name
// within, as /api/v1/sources gives it), read from the store. Like replay it opens the database, which one
// process at a time may hold, so it says so at once while the daemon
// runs. Without a database yet every source is "never run", and no file is
// created.
func sourcesCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	var asJSON bool
	var q web.SourceQuery
	flags := flag.NewFlagSet("newshound sources", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.BoolVar(&asJSON, "json", false, "print one JSON document instead of a table")
	flags.StringVar(&q.Filter, "filter", web.FilterAll, "which sources: "+strings.Join(web.SourceFilters, ", ")+
		" (trouble: unhealthy, failing, never succeeded or a cut listing)")
	flags.IntVar(&q.Limit, "limit", web.DefaultSourceLimit, fmt.Sprintf("sources per page, 1 to %d", web.MaxSourceLimit))
	flags.StringVar(&q.Cursor, "cursor", "", "the page after this cursor (printed below the previous page)")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound sources: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	// The query is checked before the config and the database are read;
	// a limit of 0 would mean the default to SelectSources.
	if q.Limit == 0 {
		fmt.Fprintf(stderr, "newshound sources: limit 0: must be from 1 to %d\n", web.MaxSourceLimit)
		return exitUsage
	}
	if _, err := web.SelectSources(nil, q); err != nil {
		fmt.Fprintf(stderr, "newshound sources: %v\n", err)
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	threshold := cfg.Health.Threshold
	if threshold <= 0 {
		threshold = config.DefaultHealthThreshold
	}
	rows, err := readSourceRows(cfg)
	if errors.Is(err, store.ErrLocked) {
		printLocked(stderr, "sources", cfg.Data, `or read the health in the daemon's log ("source unhealthy" / "source recovered").`)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound sources: %v\n", err)
		return exitFailure
	}
	sel, err := web.SelectSources(rows, q)
	if err != nil { // the query was checked: only the cursor is left, and it is just as bad here
		fmt.Fprintf(stderr, "newshound sources: %v\n", err)
		return exitUsage
	}
	if asJSON {
		err = writeSourcesJSON(stdout, sel)
	} else {
		err = writeSourcesTable(stdout, sel.Sources, threshold)
		if err == nil {
			err = writeSourcesFooter(stdout, sel, q)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound sources: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// readSourceRows reads the status of every configured source, in config
// order (web.SelectSources picks and orders the page), as the daemon's /api/v1/sources gives it (web.NewSourceStatus),
// without a next run: no scheduler runs here. A missing database means
// nothing has run.
func readSourceRows(cfg *config.Config) ([]web.SourceStatus, error) {
	rows := make([]web.SourceStatus, len(cfg.Sources))
	st, err := openStore(cfg)
	if errors.Is(err, errNoDatabase) {
		for i, src := range cfg.Sources {
			rows[i] = web.NewSourceStatus(src.Name, src.Kind(), src.URL(), store.SourceState{}, store.FetchState{}, time.Time{})
		}
		return rows, nil
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for i, src := range cfg.Sources {
		state, _, err := st.SourceState(src.Name)
		if err != nil {
			return nil, err
		}
		fetch, _, err := st.FetchState(src.Name)
		if err != nil {
			return nil, err
		}
		rows[i] = web.NewSourceStatus(src.Name, src.Kind(), src.URL(), state, fetch, time.Time{})
	}
	return rows, nil
}

// healthCell is the health column: the status (web.SourceStatus.Health),
// unhealthy in capitals so it stands out, degraded with its count towards
// the threshold.
func healthCell(s web.SourceStatus, threshold int) string {
	switch h := s.Health(); {
	case h == web.HealthUnhealthy:
		return "UNHEALTHY"
	case h != web.HealthDegraded:
		return h
	case s.ConsecutiveFailures > 0:
		return fmt.Sprintf("%s (%d/%d failed)", web.HealthDegraded, s.ConsecutiveFailures, threshold)
	}
	return fmt.Sprintf("%s (%d/%d empty)", web.HealthDegraded, s.ConsecutiveEmpty, threshold)
}

// writeSourcesTable prints one aligned row per source:
//
//	SOURCE  KIND  HEALTH     LAST RUN              LAST SUCCESS          FAILED  EMPTY  ITEMS  NEW  FAILING  RECENT    LAST ERROR
//	wire    feed  ok         2026-11-25T10:00:00Z  2026-11-25T10:00:00Z  0       0      12     2    1        12 12 12
//	flaky   feed  UNHEALTHY  2026-11-25T10:00:00Z  never                 3       0      0      0    0        × × ×     fetch feed …: 500 …
//
// FAILED and EMPTY count runs; ITEMS adds "+N cut" when the listing named
// more entries than a run reads; FAILING is the article pages that keep
// failing and are retried (--json lists them). RECENT is the items listed
// by the last runs, oldest first, × for a failed run.
func writeSourcesTable(w io.Writer, rows []web.SourceStatus, threshold int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tHEALTH\tLAST RUN\tLAST SUCCESS\tFAILED\tEMPTY\tITEMS\tNEW\tFAILING\tRECENT\tLAST ERROR")
	for _, s := range rows {
		if s.LastRun.IsZero() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\n", textsafe.Flatten(s.Name), s.Kind, healthCell(s, threshold))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\t%s\t%s\n",
			textsafe.Flatten(s.Name), s.Kind, healthCell(s, threshold), tableTime(s.LastRun), tableTime(s.LastSuccess),
			s.ConsecutiveFailures, s.ConsecutiveEmpty, itemsCell(s.Items, s.Truncated), s.New, len(s.FailingArticles), recent(s.History), errorCell(s.LastError))
	}
	return tw.Flush()
}

// itemsCell is the items the last run listed, with the entries it cut
// when the listing was longer than a run reads ("10000 +230000 cut").
func itemsCell(items, truncated int) string {
	if truncated > 0 {
		return fmt.Sprintf("%d +%d cut", items, truncated)
	}
	return strconv.Itoa(items)
}

func tableTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func recent(h []int) string {
	if len(h) == 0 {
		return "-"
	}
	parts := make([]string, len(h))
	for i, n := range h {
		if n < 0 {
			parts[i] = "×"
		} else {
			parts[i] = strconv.Itoa(n)
		}
	}
	return strings.Join(parts, " ")
}

// errorCell flattens the error to one line without tabs (which would
// break the columns) and cuts it to maxErrorCell runes in the middle:
// wrapped errors name the step first and the cause (the HTTP status, the
// parse error) last, and both matter more than the URL between them.
func errorCell(s string) string {
	s = strings.Join(strings.Fields(textsafe.Flatten(s)), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > maxErrorCell {
		head := maxErrorCell / 3
		s = string(r[:head]) + "…" + string(r[len(r)-(maxErrorCell-head-1):])
	}
	return s
}

// writeSourcesJSON prints the document /api/v1/sources answers
// (web.SourcesPage), so a script reads the command and the API alike.
func writeSourcesJSON(w io.Writer, sel web.SourceSelection) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(web.NewSourcesPage(sel))
}

// writeSourcesFooter prints, below the table, the count of sources per
// state and, when there are more, the command for the next page:
//
//	10000 sources: 9200 ok · 400 degraded · 200 unhealthy · 200 never run; trouble: 800
//	next page: newshound sources --filter trouble --cursor MDpzcmMtMDQ5OTk
func writeSourcesFooter(w io.Writer, sel web.SourceSelection, q web.SourceQuery) error {
	c := sel.Counts
	_, err := fmt.Fprintf(w, "\n%d sources: %d ok · %d degraded · %d unhealthy · %d never run; trouble: %d (%d failing · %d never succeeded · %d listing cut)\n",
		c.Total, c.OK, c.Degraded, c.Unhealthy, c.NeverRun, c.Trouble, c.Failing, c.NeverSucceeded, c.Truncated)
	if err != nil || sel.Next == "" {
		return err
	}
	next := "newshound sources"
	if q.Filter != "" && q.Filter != web.FilterAll {
		next += " --filter " + q.Filter
	}
	if q.Limit != web.DefaultSourceLimit {
		next += " --limit " + strconv.Itoa(q.Limit)
	}
	_, err = fmt.Fprintf(w, "next page: %s --cursor %s\n", next, sel.Next)
	return err
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
