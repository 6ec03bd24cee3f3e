package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

func TestRecordDeduplicatesAlerts(t *testing.T) {
	s, _ := openTest(t)
	a := testAlert("acme", "https://example.com/a")
	b := testAlert("acme", "https://example.com/b")

	// One pass holding the same alert twice and a notifier listed twice.
	got := mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{
		{Alert: a, Notifiers: []string{"slack", "mail", "slack"}},
		{Alert: a, Notifiers: []string{"webhook"}},
	}})
	if want := []string{a.ID}; !slices.Equal(got, want) {
		t.Errorf("Record(first pass) = %v, want %v", got, want)
	}
	// The same alert from another source, and again from the first.
	for _, src := range []string{"blog", "wire"} {
		got = mustRecord(t, s, Pass{Source: src, Alerts: []QueuedAlert{
			{Alert: a, Notifiers: []string{"slack", "webhook"}},
			{Alert: b, Notifiers: []string{"slack"}},
		}})
		want := []string{b.ID}
		if src == "wire" {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("Record(pass from %s) = %v, want %v", src, got, want)
		}
	}

	q, err := s.Queued()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range q {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	want := []string{a.ID + "/mail", a.ID + "/slack", b.ID + "/slack"}
	slices.Sort(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("Queued() ids mismatch (-want +got):\n%s", diff)
	}
}

func TestRecordMarksSeen(t *testing.T) {
	s, _ := openTest(t)
	long := "https://example.com/" + strings.Repeat("x", 40000)
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{
		{ID: "https://example.com/1", Keys: []string{"https://example.com/1", "guid:1", ""}},
		{ID: long, Keys: []string{long}},
	}})
	tests := []struct {
		source, key string
		want        bool
	}{
		{"wire", "https://example.com/1", true},
		{"wire", "guid:1", true},
		{"wire", long, true},
		{"wire", long[:len(long)-1], false},
		{"blog", "https://example.com/1", false},
		{"wire", "https://example.com/2", false},
		{"wire", "", false},
	}
	for _, tt := range tests {
		got, err := s.Seen(tt.source, tt.key)
		if err != nil || got != tt.want {
			t.Errorf("Seen(%q, %.40q) = %v, %v; want %v", tt.source, tt.key, got, err, tt.want)
		}
	}
}

func TestRecordKeepsFirstSeenTime(t *testing.T) {
	s, _ := openTest(t)
	now := t0
	s.now = fixedClock(&now)
	seen := []news.Article{{Keys: []string{"k"}}}
	mustRecord(t, s, Pass{Source: "wire", Seen: seen})
	now = t0.Add(10 * 24 * time.Hour) // a later week
	mustRecord(t, s, Pass{Source: "wire", Seen: seen})

	var week uint32
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		week, ok, err = seenWeekOf(tx, "wire", "k")
		return err
	})
	if err != nil || !ok || week != weekOf(t0) {
		t.Errorf("first-seen week of k = %d, %v, %v; want %d", week, ok, err, weekOf(t0))
	}
}

func TestRecordSourceState(t *testing.T) {
	s, _ := openTest(t)
	if _, ok, err := s.SourceState("wire"); ok || err != nil {
		t.Errorf("SourceState(unknown) ok = %v, %v; want false, nil", ok, err)
	}
	want := SourceState{
		LastRun:             t0.In(time.FixedZone("CET", 3600)),
		LastSuccess:         t0.Add(-time.Hour),
		ConsecutiveFailures: 3,
		LastError:           "fetch feed: 503 Service Unavailable",
		Items:               42,
	}
	mustRecord(t, s, Pass{Source: "wire", State: want})
	got, ok, err := s.SourceState("wire")
	if err != nil || !ok {
		t.Fatalf("SourceState(wire) ok = %v, %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SourceState(wire) mismatch (-want +got):\n%s", diff)
	}
	if got.LastRun.Location() != time.UTC {
		t.Errorf("SourceState(wire).LastRun location = %v, want UTC", got.LastRun.Location())
	}
}

func TestRecordRejectsInvalidPass(t *testing.T) {
	a := testAlert("acme", "https://example.com/a")
	tests := []struct {
		name string
		pass Pass
	}{
		{"no source", Pass{Alerts: []QueuedAlert{{Alert: a}}}},
		{"alert without ID", Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: news.Alert{Watch: "w"}}}}},
		{"empty notifier", Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: a, Notifiers: []string{""}}}}},
	}
	for _, tt := range tests {
		s, _ := openTest(t)
		if _, err := s.Record(tt.pass); err == nil {
			t.Errorf("Record(%s) error = nil, want an error", tt.name)
		}
		if _, ok, _ := s.Alert(a.ID); ok {
			t.Errorf("Record(%s) stored an alert", tt.name)
		}
	}
}

// TestRecordIsAtomic: a failure half-way through a pass (here bbolt's key
// size limit, hit by the second alert) leaves nothing of it behind.
func TestRecordIsAtomic(t *testing.T) {
	s, _ := openTest(t)
	good := testAlert("acme", "https://example.com/a")
	bad := good
	bad.ID = strings.Repeat("x", bbolt.MaxKeySize+1)
	_, err := s.Record(Pass{
		Source: "wire",
		Seen:   []news.Article{{Keys: []string{good.URL}}},
		Alerts: []QueuedAlert{{Alert: good, Notifiers: []string{"slack"}}, {Alert: bad, Notifiers: []string{"slack"}}},
		State:  SourceState{LastRun: t0},
		Fetch:  &FetchState{URL: "https://example.com/feed", ETag: `"v1"`},
	})
	if err == nil {
		t.Fatal("Record(pass with oversized alert ID) error = nil, want an error")
	}
	seen, _ := s.Seen("wire", good.URL)
	_, stored, _ := s.Alert(good.ID)
	_, hasState, _ := s.SourceState("wire")
	_, hasFetch, _ := s.FetchState("wire")
	q, _ := s.Queued()
	if seen || stored || hasState || hasFetch || len(q) != 0 {
		t.Errorf("after failed Record: seen %v, alert stored %v, state stored %v, fetch state stored %v, %d queued; want nothing",
			seen, stored, hasState, hasFetch, len(q))
	}
}

// TestRecordAlertStorm: 500 alerts to two notifiers go in with one Record.
func TestRecordAlertStorm(t *testing.T) {
	s, _ := openTest(t)
	p := Pass{Source: "wire"}
	for i := range 500 {
		a := testAlert("acme", "https://example.com/storm/"+time.Duration(i).String())
		p.Seen = append(p.Seen, news.Article{Keys: []string{a.URL}})
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: a, Notifiers: []string{"slack", "mail"}})
	}
	ids := mustRecord(t, s, p)
	if len(ids) != 500 {
		t.Errorf("Record(500 alerts) queued %d, want 500", len(ids))
	}
	due, err := s.Due(t0, 0)
	if err != nil || len(due) != 1000 {
		t.Errorf("Due(now, no limit) = %d entries, %v; want 1000", len(due), err)
	}
}

func TestAlertRoundTrip(t *testing.T) {
	s, _ := openTest(t)
	want := testAlert("acme", "https://example.com/a")
	want.Published = time.Now().In(time.FixedZone("IST", 5*3600+1800)) // monotonic reading and a zone
	want.Found = time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("PST", -8*3600))
	mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: want}}})
	got, ok, err := s.Alert(want.ID)
	if err != nil || !ok {
		t.Fatalf("Alert(%q) ok = %v, %v", want.ID, ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" { // cmp uses time.Time.Equal
		t.Errorf("Alert(%q) mismatch (-want +got):\n%s", want.ID, diff)
	}
	zero := testAlert("acme", "https://example.com/undated")
	zero.Published = time.Time{}
	mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: zero}}})
	if got, _, _ := s.Alert(zero.ID); !got.Published.IsZero() {
		t.Errorf("Alert(undated).Published = %v, want zero", got.Published)
	}
	if _, ok, err := s.Alert("nh_unknown"); ok || err != nil {
		t.Errorf("Alert(unknown) ok = %v, %v; want false, nil", ok, err)
	}
}

// TestAlertRecordCoversAlert fails when news.Alert gains a field the
// on-disk record does not carry (it would be silently dropped): testAlert
// must set every field, and every field must survive the record.
func TestAlertRecordCoversAlert(t *testing.T) {
	a := testAlert("acme", "https://example.com/a")
	v := reflect.ValueOf(a)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("testAlert leaves news.Alert.%s zero: set it there and carry it in alertRecord", v.Type().Field(i).Name)
		}
	}
	if diff := cmp.Diff(a, toAlertRecord(a).alert()); diff != "" {
		t.Errorf("alertRecord round trip lost data (-want +got):\n%s", diff)
	}
}
