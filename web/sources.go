package web

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Paging of the source table: the status page, /api/v1/sources and
// `newshound sources` show one page of it, so that 10,000 configured
// sources never make one answer of megabytes.
const (
	// DefaultSourceLimit is the page size when none is asked for.
	DefaultSourceLimit = 100
	// MaxSourceLimit is the largest page a client may ask for.
	MaxSourceLimit = 1000
)

// The source filters (SourceQuery.Filter). FilterTrouble is the union of
// the four kinds of trouble below it.
const (
	FilterAll            = "all"
	FilterTrouble        = "trouble"
	FilterUnhealthy      = "unhealthy"       // flagged unhealthy
	FilterFailing        = "failing"         // its last run failed, not (yet) unhealthy
	FilterNeverSucceeded = "never_succeeded" // ran, never with success
	FilterTruncated      = "truncated"       // its listing was cut for its size
)

// SourceFilters are the accepted filters, in the order a page offers them.
var SourceFilters = []string{FilterAll, FilterTrouble, FilterUnhealthy, FilterFailing, FilterNeverSucceeded, FilterTruncated}

// ErrBadSourceCursor is returned by SelectSources for a cursor it did not
// hand out.
var ErrBadSourceCursor = errors.New("not a cursor of the source table")

// SourceQuery selects one page of the source table.
type SourceQuery struct {
	// Filter is one of SourceFilters; "" means FilterAll.
	Filter string
	// Limit is the page size, 1..MaxSourceLimit; 0 means
	// DefaultSourceLimit.
	Limit int
	// Cursor is the Next of the previous page; "" starts at the top.
	Cursor string
}

// SourceCounts counts the sources in each state, over all configured
// sources whatever the filter. The first four (by SourceStatus.Health)
// add up to Total; the trouble kinds may overlap, Trouble counts each
// source once.
type SourceCounts struct {
	Total          int `json:"total"`
	OK             int `json:"ok"`
	Degraded       int `json:"degraded"`
	Unhealthy      int `json:"unhealthy"`
	NeverRun       int `json:"never_run"`
	Trouble        int `json:"trouble"`
	Failing        int `json:"failing"`
	NeverSucceeded int `json:"never_succeeded"`
	Truncated      int `json:"truncated"`
}

// SourceSelection is one page of the source table.
type SourceSelection struct {
	Sources []SourceStatus
	Counts  SourceCounts
	// Next is the cursor of the following page; "" on the last one.
	Next string
}

// troubleRank orders the table: unhealthy sources first, then failing,
// never successful and cut ones, then the rest; rankFine is no trouble.
func troubleRank(s SourceStatus) int {
	switch {
	case s.Unhealthy:
		return 0
	case s.ConsecutiveFailures > 0:
		return 1
	case neverSucceeded(s):
		return 2
	case s.Truncated > 0:
		return 3
	}
	return rankFine
}

const rankFine = 4

func neverSucceeded(s SourceStatus) bool { return !s.LastRun.IsZero() && s.LastSuccess.IsZero() }

// matches reports whether s passes filter (a valid one).
func matches(s SourceStatus, filter string) bool {
	switch filter {
	case FilterTrouble:
		return troubleRank(s) != rankFine
	case FilterUnhealthy:
		return s.Unhealthy
	case FilterFailing:
		return !s.Unhealthy && s.ConsecutiveFailures > 0
	case FilterNeverSucceeded:
		return neverSucceeded(s)
	case FilterTruncated:
		return s.Truncated > 0
	}
	return true
}

// SelectSources returns one page of sources: those passing q.Filter,
// trouble first (unhealthy, failing, never succeeded, cut listing, then
// the rest), by name within each, after q.Cursor. The cursor names the
// last row's place in that order, not an offset, so a source added or
// removed between two requests shifts nothing; a source whose trouble
// changed between them may be shown twice or not at all. An invalid
// filter, limit or cursor is an error (the cursor's wraps
// ErrBadSourceCursor); all is not changed.
func SelectSources(all []SourceStatus, q SourceQuery) (SourceSelection, error) {
	filter := cmp.Or(q.Filter, FilterAll)
	if !slices.Contains(SourceFilters, filter) {
		return SourceSelection{}, fmt.Errorf("filter %q: must be one of %s", q.Filter, strings.Join(SourceFilters, ", "))
	}
	limit := cmp.Or(q.Limit, DefaultSourceLimit)
	if limit < 1 || limit > MaxSourceLimit {
		return SourceSelection{}, fmt.Errorf("limit %d: must be from 1 to %d", q.Limit, MaxSourceLimit)
	}
	afterRank, afterName, err := decodeSourceCursor(q.Cursor)
	if err != nil {
		return SourceSelection{}, err
	}
	type ranked struct {
		rank int
		src  *SourceStatus
	}
	var sel SourceSelection
	rows := make([]ranked, 0, len(all))
	for i := range all {
		s := &all[i]
		sel.Counts.add(*s)
		if !matches(*s, filter) {
			continue
		}
		r := troubleRank(*s)
		if q.Cursor != "" && cmp.Or(cmp.Compare(r, afterRank), strings.Compare(s.Name, afterName)) <= 0 {
			continue
		}
		rows = append(rows, ranked{r, s})
	}
	slices.SortFunc(rows, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.src.Name, b.src.Name))
	})
	if len(rows) > limit {
		last := rows[limit-1]
		sel.Next = encodeSourceCursor(last.rank, last.src.Name)
		rows = rows[:limit]
	}
	sel.Sources = make([]SourceStatus, 0, len(rows))
	for _, r := range rows {
		sel.Sources = append(sel.Sources, *r.src)
	}
	return sel, nil
}

func (c *SourceCounts) add(s SourceStatus) {
	c.Total++
	switch s.Health() {
	case HealthOK:
		c.OK++
	case HealthDegraded:
		c.Degraded++
	case HealthUnhealthy:
		c.Unhealthy++
	case HealthNever:
		c.NeverRun++
	}
	if troubleRank(s) != rankFine {
		c.Trouble++
	}
	if matches(s, FilterFailing) {
		c.Failing++
	}
	if neverSucceeded(s) {
		c.NeverSucceeded++
	}
	if s.Truncated > 0 {
		c.Truncated++
	}
}

// A cursor is the rank and name of the last row shown, base64url so it
// passes through a URL untouched.
func encodeSourceCursor(rank int, name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(rank) + ":" + name))
}

func decodeSourceCursor(c string) (rank int, name string, err error) {
	if c == "" {
		return 0, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", fmt.Errorf("cursor: %w", ErrBadSourceCursor)
	}
	r, name, ok := strings.Cut(string(raw), ":")
	rank, err = strconv.Atoi(r)
	if !ok || err != nil || rank < 0 || rank > rankFine || name == "" {
		return 0, "", fmt.Errorf("cursor: %w", ErrBadSourceCursor)
	}
	return rank, name, nil
}
