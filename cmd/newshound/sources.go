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
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// maxErrorCell bounds the last error in the table, in runes; --json gives
// it whole.
const maxErrorCell = 60

// Health of a source in --json; the table shows the same words, with
// "unhealthy" in capitals and the count towards the threshold.
const (
	healthOK        = "ok"
	healthDegraded  = "degraded" // failed or empty runs, fewer than the threshold
	healthUnhealthy = "unhealthy"
	healthNever     = "never run"
)

// sourcesCmd runs `newshound sources`: each configured source's health,
// read from the store. Like replay it opens the database, which one
// process at a time may hold, so it says so at once while the daemon
// runs. Without a database yet every source is "never run", and no file is
// created.
func sourcesCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	var asJSON bool
	flags := flag.NewFlagSet("newshound sources", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.BoolVar(&asJSON, "json", false, "print one JSON document instead of a table")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound sources: unexpected argument %q\n", flags.Arg(0))
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
	if asJSON {
		err = writeSourcesJSON(stdout, rows)
	} else {
		err = writeSourcesTable(stdout, rows, threshold)
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound sources: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// sourceRow is one configured source and what the store remembers of it.
type sourceRow struct {
	Name, Kind, URL string
	Health          string // one of the health constants
	State           store.SourceState
	Ran             bool
	// Failing are the article pages that keep failing and are retried
	// (store.FetchState.Failing), oldest first failure first.
	Failing []web.FailingArticle
}

// readSourceRows reads the state of every configured source, in config
// order. A missing database means nothing has run.
func readSourceRows(cfg *config.Config) ([]sourceRow, error) {
	rows := make([]sourceRow, len(cfg.Sources))
	for i, src := range cfg.Sources {
		rows[i] = sourceRow{Name: src.Name, Kind: src.Kind(), URL: news.RedactURL(src.URL()), Health: healthNever}
	}
	st, err := openStore(cfg)
	if errors.Is(err, errNoDatabase) {
		return rows, nil
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for i := range rows {
		state, ok, err := st.SourceState(rows[i].Name)
		if err != nil {
			return nil, err
		}
		if ok {
			rows[i].State, rows[i].Ran, rows[i].Health = state, true, healthStatus(state)
		}
		fetch, _, err := st.FetchState(rows[i].Name)
		if err != nil {
			return nil, err
		}
		rows[i].Failing = web.FailingArticles(fetch.Failing)
	}
	return rows, nil
}

// healthStatus follows the flag the daemon keeps, so the table agrees with
// the notices that went out even if the threshold was edited since.
func healthStatus(s store.SourceState) string {
	switch {
	case s.Unhealthy:
		return healthUnhealthy
	case s.ConsecutiveFailures > 0 || s.ConsecutiveEmpty > 0:
		return healthDegraded
	}
	return healthOK
}

// healthCell is the health column: the status, unhealthy in capitals so
// it stands out, degraded with its count towards the threshold.
func healthCell(r sourceRow, threshold int) string {
	s := r.State
	switch {
	case r.Health == healthUnhealthy:
		return "UNHEALTHY"
	case r.Health != healthDegraded:
		return r.Health
	case s.ConsecutiveFailures > 0:
		return fmt.Sprintf("%s (%d/%d failed)", healthDegraded, s.ConsecutiveFailures, threshold)
	}
	return fmt.Sprintf("%s (%d/%d empty)", healthDegraded, s.ConsecutiveEmpty, threshold)
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
func writeSourcesTable(w io.Writer, rows []sourceRow, threshold int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tHEALTH\tLAST RUN\tLAST SUCCESS\tFAILED\tEMPTY\tITEMS\tNEW\tFAILING\tRECENT\tLAST ERROR")
	for _, r := range rows {
		if !r.Ran {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\n", oneLine(r.Name), r.Kind, healthCell(r, threshold))
			continue
		}
		s := r.State
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\t%s\t%s\n",
			oneLine(r.Name), r.Kind, healthCell(r, threshold), tableTime(s.LastRun), tableTime(s.LastSuccess),
			s.ConsecutiveFailures, s.ConsecutiveEmpty, itemsCell(s.Items, s.Truncated), s.New, len(r.Failing), recent(s.History), errorCell(news.RedactURLsIn(s.LastError)))
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
	s = strings.Join(strings.Fields(oneLine(s)), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > maxErrorCell {
		head := maxErrorCell / 3
		s = string(r[:head]) + "…" + string(r[len(r)-(maxErrorCell-head-1):])
	}
	return s
}

// sourceJSON is one source in the --json document.
type sourceJSON struct {
	Source              string     `json:"source"`
	Kind                string     `json:"kind"`
	URL                 string     `json:"url"`
	Health              string     `json:"health"`
	Unhealthy           bool       `json:"unhealthy"`
	UnhealthySince      *time.Time `json:"unhealthy_since,omitempty"`
	LastRun             *time.Time `json:"last_run,omitempty"`
	LastSuccess         *time.Time `json:"last_success,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	ConsecutiveEmpty    int        `json:"consecutive_empty"`
	Items               int        `json:"items"`
	Truncated           int        `json:"truncated"`
	New                 int        `json:"new"`
	History             []int      `json:"history"`
	LastError           string     `json:"last_error,omitempty"`
	// FailingArticles is the same list as /api/v1/sources gives; [] when
	// none.
	FailingArticles []web.FailingArticleJSON `json:"failing_articles"`
}

func writeSourcesJSON(w io.Writer, rows []sourceRow) error {
	doc := make([]sourceJSON, 0, len(rows))
	for _, r := range rows {
		s := r.State
		j := sourceJSON{
			Source: r.Name, Kind: r.Kind, URL: r.URL, Health: r.Health, Unhealthy: s.Unhealthy,
			UnhealthySince: optTime(s.UnhealthySince), LastRun: optTime(s.LastRun), LastSuccess: optTime(s.LastSuccess),
			ConsecutiveFailures: s.ConsecutiveFailures, ConsecutiveEmpty: s.ConsecutiveEmpty,
			Items: s.Items, Truncated: s.Truncated, New: s.New, History: s.History, LastError: news.RedactURLsIn(s.LastError),
			FailingArticles: web.NewFailingArticlesJSON(r.Failing),
		}
		if j.History == nil {
			j.History = []int{}
		}
		doc = append(doc, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
