package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// The JSON shapes of the API. Field names are part of the API: change
// them only with a new version prefix.
type (
	// AlertsPage is the /api/v1/alerts answer: one page, newest first;
	// Next is the cursor of the next page ("" at the end).
	AlertsPage struct {
		Alerts []AlertJSON `json:"alerts"`
		Next   string      `json:"next"`
	}
	// AlertJSON is one stored alert with its delivery state per notifier,
	// as the API (and `newshound alerts --json`) gives it.
	AlertJSON struct {
		ID         string         `json:"id"`
		Watch      string         `json:"watch"`
		Source     string         `json:"source"`
		URL        string         `json:"url"`
		Title      string         `json:"title"`
		Published  *time.Time     `json:"published"`
		Found      *time.Time     `json:"found"`
		Fired      string         `json:"fired"`
		Snippet    string         `json:"snippet"`
		Highlights []news.Span    `json:"highlights"`
		Matches    []news.Match   `json:"matches"`
		Deliveries []DeliveryJSON `json:"deliveries"`
	}
	// DeliveryJSON is the state of one (alert, notifier) entry.
	DeliveryJSON struct {
		Notifier  string     `json:"notifier"`
		State     string     `json:"state"`
		Attempts  int        `json:"attempts"`
		At        *time.Time `json:"at"`
		LastError string     `json:"last_error"`
	}
	// FailingArticleJSON is one article page of a source that keeps
	// failing, as /api/v1/sources and `newshound sources --json` give it.
	FailingArticleJSON struct {
		URL          string    `json:"url"`
		Attempts     int       `json:"attempts"`
		FirstFailure time.Time `json:"first_failure"`
		LastError    string    `json:"last_error"`
	}
	// SourcesPage is the /api/v1/sources answer, and what `newshound
	// sources --json` prints: one page of the configured sources, trouble
	// first, by name within (SelectSources); Next is the cursor of the
	// next page ("" at the end); Counts counts all sources by state,
	// whatever the filter.
	SourcesPage struct {
		Sources []SourceJSON `json:"sources"`
		Next    string       `json:"next"`
		Counts  SourceCounts `json:"counts"`
	}
	// SourceJSON is one source's health and last runs (NewSourceJSON).
	SourceJSON struct {
		Name    string `json:"name"`
		Kind    string `json:"kind"`
		URL     string `json:"url"`
		Healthy bool   `json:"healthy"`
		// Health says it in a word (SourceStatus.Health): "ok",
		// "degraded", "unhealthy" or "never run".
		Health              string     `json:"health"`
		UnhealthySince      *time.Time `json:"unhealthy_since"`
		LastRun             *time.Time `json:"last_run"`
		NextRun             *time.Time `json:"next_run"`
		LastSuccess         *time.Time `json:"last_success"`
		ConsecutiveFailures int        `json:"consecutive_failures"`
		ConsecutiveEmpty    int        `json:"consecutive_empty"`
		Items               int        `json:"items"`
		NewArticles         int        `json:"new_articles"`
		Truncated           int        `json:"truncated"`
		History             []int      `json:"history"`
		LastError           string     `json:"last_error"`
		// FailingArticles are all of them (the daemon keeps at most 300
		// per source), oldest first failure first; [] when none.
		FailingArticles []FailingArticleJSON `json:"failing_articles"`
	}
	errorJSON struct {
		Error string `json:"error"`
		Param string `json:"param,omitempty"`
	}
)

// paramError is a bad query parameter: a 400 naming it.
type paramError struct {
	param, message string
}

func (e *paramError) Error() string { return e.param + ": " + e.message }

func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) {
	q, err := parseAlertQuery(r.URL.Query(), s.now())
	if err != nil {
		writeParamError(w, err)
		return
	}
	page, err := s.backend.Alerts(q)
	if errors.Is(err, store.ErrBadCursor) {
		writeParamError(w, &paramError{"cursor", "is not a cursor this server handed out"})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	resp := AlertsPage{Alerts: make([]AlertJSON, 0, len(page.Alerts)), Next: page.Next}
	for _, rec := range page.Alerts {
		resp.Alerts = append(resp.Alerts, NewAlertJSON(rec))
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) apiSources(w http.ResponseWriter, r *http.Request) {
	q, err := parseSourceQuery(r.URL.Query())
	if err != nil {
		writeParamError(w, err)
		return
	}
	sources, err := s.backend.Sources()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	sel, err := SelectSources(sources, q)
	if errors.Is(err, ErrBadSourceCursor) {
		writeParamError(w, &paramError{"cursor", "is not a cursor this server handed out"})
		return
	}
	if err != nil { // parseSourceQuery let through what SelectSources refuses
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewSourcesPage(sel))
}

// NewSourcesPage turns one page of the sources' status into the
// /api/v1/sources document, in the same order; Sources is never nil.
func NewSourcesPage(sel SourceSelection) SourcesPage {
	page := SourcesPage{Sources: make([]SourceJSON, 0, len(sel.Sources)), Next: sel.Next, Counts: sel.Counts}
	for _, src := range sel.Sources {
		page.Sources = append(page.Sources, NewSourceJSON(src))
	}
	return page
}

// parseSourceQuery reads the query parameters of /api/v1/sources (and of
// the status page): filter, limit and cursor.
func parseSourceQuery(v url.Values) (SourceQuery, error) {
	for name := range v {
		switch name {
		case "filter", "limit", "cursor":
		default:
			if len(name) > 40 {
				name = name[:40] + "…" // it is echoed back: keep it short
			}
			return SourceQuery{}, &paramError{name, "is not a parameter of this endpoint (filter, limit, cursor)"}
		}
	}
	q := SourceQuery{Filter: v.Get("filter"), Cursor: v.Get("cursor")}
	if q.Filter != "" && !slices.Contains(SourceFilters, q.Filter) {
		return SourceQuery{}, &paramError{"filter", "must be one of " + strings.Join(SourceFilters, ", ")}
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxSourceLimit {
			return SourceQuery{}, &paramError{"limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxSourceLimit)}
		}
		q.Limit = n
	}
	return q, nil
}

// NewSourceJSON turns one source's status into its API form: times in
// UTC or null, lists never null, the URL redacted.
func NewSourceJSON(src SourceStatus) SourceJSON {
	return SourceJSON{
		Name:                src.Name,
		Kind:                src.Kind,
		URL:                 sourceURL(src.URL),
		Healthy:             !src.Unhealthy,
		Health:              src.Health(),
		UnhealthySince:      timeOrNil(src.UnhealthySince),
		LastRun:             timeOrNil(src.LastRun),
		NextRun:             timeOrNil(src.NextRun),
		LastSuccess:         timeOrNil(src.LastSuccess),
		ConsecutiveFailures: src.ConsecutiveFailures,
		ConsecutiveEmpty:    src.ConsecutiveEmpty,
		Items:               src.Items,
		NewArticles:         src.New,
		Truncated:           src.Truncated,
		History:             nonNil(src.History),
		LastError:           src.LastError,
		FailingArticles:     NewFailingArticlesJSON(src.FailingArticles),
	}
}

// NewFailingArticlesJSON turns failing articles into their API form, in
// the same order, times in UTC; never nil, so the list encodes as [].
func NewFailingArticlesJSON(failing []FailingArticle) []FailingArticleJSON {
	out := make([]FailingArticleJSON, 0, len(failing))
	for _, f := range failing {
		out = append(out, FailingArticleJSON{URL: f.URL, Attempts: f.Attempts, FirstFailure: f.First.UTC(), LastError: f.LastError})
	}
	return out
}

// NewAlertJSON turns a stored alert into its API form: times in UTC or
// null, lists never null.
func NewAlertJSON(rec store.AlertRecord) AlertJSON {
	a := rec.Alert
	out := AlertJSON{
		ID:         a.ID,
		Watch:      a.Watch,
		Source:     a.Source,
		URL:        a.URL,
		Title:      a.Title,
		Published:  timeOrNil(a.Published),
		Found:      timeOrNil(a.Found),
		Fired:      a.Fired,
		Snippet:    a.Snippet,
		Highlights: nonNil(a.Highlights),
		Matches:    make([]news.Match, 0, len(a.Matches)),
		Deliveries: make([]DeliveryJSON, 0, len(rec.Deliveries)),
	}
	for _, m := range a.Matches {
		m.Seen = nonNil(m.Seen)
		out.Matches = append(out.Matches, m)
	}
	for _, d := range rec.Deliveries {
		out.Deliveries = append(out.Deliveries, DeliveryJSON{
			Notifier: d.Notifier, State: d.State, Attempts: d.Attempts, At: timeOrNil(d.At), LastError: d.LastError,
		})
	}
	return out
}

// Record is the inverse of NewAlertJSON, for clients reading the API.
func (j AlertJSON) Record() store.AlertRecord {
	rec := store.AlertRecord{Alert: news.Alert{
		ID: j.ID, Watch: j.Watch, Source: j.Source, URL: j.URL, Title: j.Title,
		Published: derefTime(j.Published), Found: derefTime(j.Found),
		Fired: j.Fired, Snippet: j.Snippet, Highlights: j.Highlights, Matches: j.Matches,
	}}
	for _, d := range j.Deliveries {
		rec.Deliveries = append(rec.Deliveries, store.Delivery{
			Notifier: d.Notifier, State: d.State, Attempts: d.Attempts, At: derefTime(d.At), LastError: d.LastError,
		})
	}
	return rec
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// parseAlertQuery reads the query parameters of /api/v1/alerts.
func parseAlertQuery(v url.Values, now time.Time) (store.AlertQuery, error) {
	for name := range v {
		switch name {
		case "watch", "source", "since", "limit", "cursor":
		default:
			if len(name) > 40 {
				name = name[:40] + "…" // it is echoed back: keep it short
			}
			return store.AlertQuery{}, &paramError{name, "is not a parameter of this endpoint (watch, source, since, limit, cursor)"}
		}
	}
	q := store.AlertQuery{Watch: v.Get("watch"), Source: v.Get("source"), Cursor: v.Get("cursor")}
	if raw := v.Get("since"); raw != "" {
		since, err := parseSince(raw, now)
		if err != nil {
			return store.AlertQuery{}, &paramError{"since", err.Error()}
		}
		q.Since = since
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxAlertLimit {
			return store.AlertQuery{}, &paramError{"limit", fmt.Sprintf("must be a whole number from 1 to %d", store.MaxAlertLimit)}
		}
		q.Limit = n
	}
	return q, nil
}

// parseSince reads an RFC 3339 time, or a positive duration back from
// now as news.ParseDuration reads it, the same as the config and the
// command line take (90m, 24h, 7d, 1d12h; days of 24 hours).
func parseSince(raw string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t.UTC(), nil
	}
	if d, err := news.ParseDuration(raw); err == nil && d > 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, errors.New("must be an RFC 3339 time (2026-03-14T09:00:00Z) or a positive duration back from now (90m, 24h, 7d, 1d12h)")
}

func writeParamError(w http.ResponseWriter, err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: pe.param + " " + pe.message, Param: pe.param})
		return
	}
	writeJSON(w, http.StatusBadRequest, errorJSON{Error: err.Error()})
}

// internalError logs the cause and answers without it: store errors may
// name paths and are no business of an API client.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("http request failed", "path", r.URL.Path, "err", err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusInternalServerError, errorJSON{Error: "internal error"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status is sent; a failed write is the client's loss
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// nonNil makes an absent list encode as [] rather than null, so clients
// can iterate without a check.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
