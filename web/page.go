package web

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/store"
)

//go:embed templates/status.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Sizes of the status page's lists.
const (
	pageAlerts      = 30
	pageDeadLetters = 20
	// pageFailing is how many of a source's failing article pages the
	// page lists, the oldest; the API gives them all.
	pageFailing = 5
)

type statusPage struct {
	tmpl *template.Template
}

func newStatusPage() *statusPage {
	funcs := template.FuncMap{"plural": plural}
	return &statusPage{tmpl: template.Must(template.New("status.html").Funcs(funcs).ParseFS(templateFS, "templates/status.html"))}
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory exists: a build error, not a run-time one
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// The page's view model: everything already formatted, so the template
// has no logic beyond conditionals and loops.
type (
	pageData struct {
		Generated   timeView
		Ready       bool
		ReadyReason string

		Sources            []sourceRow
		SourcesErr         bool
		Healthy, Unhealthy int
		Counts             SourceCounts
		// Filters are the filter links, the one in force marked; Shown
		// says which rows the table holds; NextHref is the link to the
		// next page ("" on the last).
		Filters     []filterLink
		Shown       string
		NextHref    string
		FailingNote string

		Alerts    []alertRow
		AlertsErr bool

		Queues    []queueRow
		Disabled  []disabledRow
		Dead      []deadRow
		DeadTotal int
		OutboxErr bool
	}
	timeView struct {
		Zero          bool
		ISO, Abs, Rel string
	}
	sourceRow struct {
		Name, Kind, URL, Href string
		Unhealthy             bool
		UnhealthySince        timeView
		LastRun, NextRun      timeView
		LastSuccess           timeView
		Failures, Items, New  int
		Truncated             int
		History               string
		LastError             string
		// Failing are the oldest failing article pages, at most
		// pageFailing of FailingTotal; FailingHidden the rest.
		Failing                     []failingRow
		FailingTotal, FailingHidden int
	}
	filterLink struct {
		Label, Href string
		Current     bool
	}
	failingRow struct {
		URL, Href, LastError string
		Attempts             int
		First                timeView
	}
	alertRow struct {
		ID, Title, Href string
		Watch, Source   string
		Found           timeView
		Fired           string
		Snippet         template.HTML
		Deliveries      []deliveryRow
	}
	deliveryRow struct {
		Notifier, State, Symbol, Class, Detail string
	}
	queueRow struct {
		Notifier  string
		Queued    int
		OldestAge string
		Dead      int
		Disabled  bool
	}
	disabledRow struct {
		Name, Reason string
		At           timeView
	}
	deadRow struct {
		Notifier, Title, Href, Watch, Reason string
		Attempts                             int
		At                                   timeView
	}
)

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	q, err := parseSourceQuery(r.URL.Query())
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	data := pageData{Generated: viewTime(now, now), FailingNote: s.failNote}
	if err := s.backend.Ready(); err != nil {
		data.ReadyReason = oneLine(err.Error())
	} else {
		data.Ready = true
	}

	if sources, err := s.backend.Sources(); err != nil {
		s.log.Error("status page: read sources", "err", err)
		data.SourcesErr = true
	} else {
		sel, err := SelectSources(sources, q)
		if err != nil {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "cursor: is not a cursor this server handed out", http.StatusBadRequest)
			return
		}
		viewSources(&data, sel, q, now)
	}

	if page, err := s.backend.Alerts(store.AlertQuery{Limit: pageAlerts}); err != nil {
		s.log.Error("status page: read alerts", "err", err)
		data.AlertsErr = true
	} else {
		for _, rec := range page.Alerts {
			data.Alerts = append(data.Alerts, viewAlert(rec, now))
		}
	}

	if out, err := s.backend.Outbox(); err != nil {
		s.log.Error("status page: read outbox", "err", err)
		data.OutboxErr = true
	} else {
		viewOutbox(&data, out, now)
	}

	var buf bytes.Buffer
	if err := s.statusUI.tmpl.Execute(&buf, data); err != nil {
		s.internalError(w, r, fmt.Errorf("render status page: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// viewSources fills the source table: one page of rows, the counts per
// state over all sources, the filter links and the next page's link.
func viewSources(data *pageData, sel SourceSelection, q SourceQuery, now time.Time) {
	for _, src := range sel.Sources {
		data.Sources = append(data.Sources, viewSource(src, now))
	}
	data.Counts = sel.Counts
	data.Unhealthy = sel.Counts.Unhealthy
	data.Healthy = sel.Counts.Total - sel.Counts.Unhealthy
	filter := cmp.Or(q.Filter, FilterAll)
	for _, f := range SourceFilters {
		data.Filters = append(data.Filters, filterLink{Label: strings.ReplaceAll(f, "_", " "), Href: pageHref(f, "", 0), Current: f == filter})
	}
	if len(sel.Sources) > 0 {
		data.Shown = fmt.Sprintf("%d %s", len(sel.Sources), strings.ReplaceAll(filter, "_", " "))
	}
	if sel.Next != "" {
		data.NextHref = pageHref(filter, sel.Next, q.Limit)
	}
}

// pageHref is the status page's address for a filter, cursor and limit
// (each left out at its default).
func pageHref(filter, cursor string, limit int) string {
	v := url.Values{}
	if filter != FilterAll {
		v.Set("filter", filter)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode() + "#sources"
}

func viewSource(src SourceStatus, now time.Time) sourceRow {
	src.URL = sourceURL(src.URL)
	row := sourceRow{
		Name:           src.Name,
		Kind:           src.Kind,
		URL:            textsafe.Flatten(src.URL),
		Unhealthy:      src.Unhealthy,
		UnhealthySince: viewTime(src.UnhealthySince, now),
		LastRun:        viewTime(src.LastRun, now),
		NextRun:        viewTime(src.NextRun, now),
		LastSuccess:    viewTime(src.LastSuccess, now),
		Failures:       src.ConsecutiveFailures,
		Items:          src.Items,
		New:            src.New,
		Truncated:      src.Truncated,
		LastError:      textsafe.Flatten(src.LastError),
	}
	row.Href, _ = safeHref(src.URL)
	var hist []string
	for _, n := range src.History {
		if n < 0 {
			hist = append(hist, "✖")
		} else {
			hist = append(hist, strconv.Itoa(n))
		}
	}
	row.History = strings.Join(hist, " · ")
	row.FailingTotal = len(src.FailingArticles)
	for _, f := range src.FailingArticles[:min(len(src.FailingArticles), pageFailing)] {
		fr := failingRow{URL: textsafe.Flatten(f.URL), Attempts: f.Attempts, First: viewTime(f.First, now), LastError: textsafe.Flatten(f.LastError)}
		fr.Href, _ = safeHref(f.URL)
		row.Failing = append(row.Failing, fr)
	}
	row.FailingHidden = row.FailingTotal - len(row.Failing)
	return row
}

func viewAlert(rec store.AlertRecord, now time.Time) alertRow {
	a := rec.Alert
	row := alertRow{
		ID:     a.ID,
		Title:  textsafe.Flatten(a.Title),
		Watch:  a.Watch,
		Source: a.Source,
		Found:  viewTime(a.Found, now),
		Fired:  textsafe.Flatten(a.Fired),
		// highlight.HTML escapes every piece and adds only <mark>, so its
		// output is safe to trust as HTML.
		Snippet: template.HTML(highlight.HTML(snippetPieces(a))), //nolint:gosec // escaped by highlight.HTML
	}
	if strings.TrimSpace(row.Title) == "" {
		row.Title = "(untitled)"
	}
	row.Href, _ = safeHref(a.URL)
	for _, d := range rec.Deliveries {
		row.Deliveries = append(row.Deliveries, viewDelivery(d, now))
	}
	return row
}

func viewDelivery(d store.Delivery, now time.Time) deliveryRow {
	row := deliveryRow{Notifier: d.Notifier, State: d.State}
	at := viewTime(d.At, now)
	switch d.State {
	case store.DeliveryDelivered:
		row.Symbol, row.Class = "✔", "ok"
		if !at.Zero {
			row.Detail = at.Rel
		}
	case store.DeliveryDead:
		row.Symbol, row.Class = "✖", "bad"
		row.Detail = textsafe.Flatten(d.LastError)
	default:
		row.Symbol, row.Class = "…", "neutral"
		var parts []string
		if d.Attempts > 0 {
			parts = append(parts, plural(d.Attempts, "failed attempt", "failed attempts"))
		}
		switch {
		case at.Zero:
		case d.At.After(now):
			parts = append(parts, "next "+at.Rel)
		default:
			parts = append(parts, "due") // overdue: the next sweep (or an enabled notifier) sends it
		}
		if d.LastError != "" {
			parts = append(parts, textsafe.Flatten(d.LastError))
		}
		row.Detail = strings.Join(parts, "; ")
	}
	return row
}

func viewOutbox(data *pageData, out OutboxStatus, now time.Time) {
	deadBy := map[string]int{}
	for _, e := range out.DeadLetters {
		deadBy[e.Notifier]++
	}
	disabled := map[string]bool{}
	for _, d := range out.Disabled {
		disabled[d.Name] = true
		data.Disabled = append(data.Disabled, disabledRow{Name: d.Name, Reason: textsafe.Flatten(d.Reason), At: viewTime(d.At, now)})
	}
	listed := map[string]bool{}
	for _, q := range out.Queues {
		listed[q.Notifier] = true
		row := queueRow{Notifier: q.Notifier, Queued: q.Queued, Dead: deadBy[q.Notifier], Disabled: disabled[q.Notifier]}
		if q.Queued > 0 && !q.Oldest.IsZero() {
			row.OldestAge = humanDuration(max(now.Sub(q.Oldest), 0))
		} else if q.Queued > 0 {
			row.OldestAge = "unknown"
		}
		data.Queues = append(data.Queues, row)
	}
	// A notifier no longer configured may still hold dead letters: show
	// it rather than hide them.
	var extra []string
	for name := range deadBy {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		data.Queues = append(data.Queues, queueRow{Notifier: name, Dead: deadBy[name], Disabled: disabled[name]})
	}

	data.DeadTotal = len(out.DeadLetters)
	// DeadLetters are most recently given up last: show the newest first.
	for i := len(out.DeadLetters) - 1; i >= 0 && len(data.Dead) < pageDeadLetters; i-- {
		e := out.DeadLetters[i]
		row := deadRow{
			Notifier: e.Notifier,
			Title:    textsafe.Flatten(e.Alert.Title),
			Watch:    e.Alert.Watch,
			Reason:   textsafe.Flatten(e.LastError),
			Attempts: e.Attempts,
			At:       viewTime(e.DeadAt, now),
		}
		if strings.TrimSpace(row.Title) == "" {
			row.Title = e.AlertID
		}
		row.Href, _ = safeHref(e.Alert.URL)
		data.Dead = append(data.Dead, row)
	}
}

func viewTime(t, now time.Time) timeView {
	if t.IsZero() {
		return timeView{Zero: true}
	}
	return timeView{
		ISO: t.UTC().Format(time.RFC3339),
		Abs: t.UTC().Format("2006-01-02 15:04 UTC"),
		Rel: relative(t, now),
	}
}

// relative says how far t is from now in words: "5 min ago", "in 2 h".
func relative(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "just now"
	case d > 0:
		return humanDuration(d) + " ago"
	default:
		return "in " + humanDuration(-d)
	}
}

// humanDuration rounds to the largest sensible unit.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}

// oneLine keeps an error message to one line of plain text of at most
// 300 runes.
func oneLine(s string) string { return textsafe.Truncate(textsafe.Flatten(s), 300) }

// plural writes a count with the noun that agrees with it.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
