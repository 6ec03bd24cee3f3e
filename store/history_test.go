package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/news"
)

// historyAlert is an alert of watch w from source src, found at found.
func historyAlert(w, src string, n int, found time.Time) news.Alert {
	a := testAlert(w, fmt.Sprintf("https://%s.example/%s/%d", src, w, n))
	a.Source, a.Found = src, found
	return a
}

// recordAlerts stores alerts (each queued for notifiers) in one pass.
func recordAlerts(t *testing.T, s *Store, alerts []news.Alert, notifiers ...string) {
	t.Helper()
	p := Pass{Source: "wire"}
	for _, a := range alerts {
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: a, Notifiers: notifiers})
	}
	mustRecord(t, s, p)
}

// pageIDs reads every page of q and returns the alert IDs, page by page.
func pageIDs(t *testing.T, s *Store, q AlertQuery) [][]string {
	t.Helper()
	var pages [][]string
	for {
		page, err := s.Alerts(q)
		if err != nil {
			t.Fatalf("Alerts(%+v) error: %v", q, err)
		}
		var ids []string
		for _, r := range page.Alerts {
			ids = append(ids, r.Alert.ID)
		}
		pages = append(pages, ids)
		if page.Next == "" {
			return pages
		}
		if len(pages) > 1000 {
			t.Fatalf("Alerts(%+v) never ends", q)
		}
		q.Cursor = page.Next
	}
}

func ids(alerts ...news.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.ID)
	}
	return out
}

// TestAlertsPagingAndFilters: pages run newest first (by Found, then ID
// descending), filters by watch, source, both and since select exactly
// the matching alerts, and the last page has no Next.
func TestAlertsPagingAndFilters(t *testing.T) {
	s, _ := openTest(t)
	// Seven alerts, one minute apart; a0 and a1 share their Found time.
	all := []news.Alert{
		historyAlert("acme", "wire", 0, t0),
		historyAlert("acme", "wire", 1, t0),
		historyAlert("acme", "blog", 2, t0.Add(time.Minute)),
		historyAlert("bolt", "wire", 3, t0.Add(2*time.Minute)),
		historyAlert("bolt", "blog", 4, t0.Add(3*time.Minute)),
		historyAlert("acme", "wire", 5, t0.Add(4*time.Minute)),
		historyAlert("acme-x", "wire", 6, t0.Add(5*time.Minute)),
	}
	recordAlerts(t, s, all, "slack")
	newestFirst := func(as ...news.Alert) []string {
		out := slices.Clone(as)
		slices.SortFunc(out, func(a, b news.Alert) int {
			if c := b.Found.Compare(a.Found); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		return ids(out...)
	}
	chunk := func(ids []string, n int) [][]string {
		out := slices.Collect(slices.Chunk(ids, n))
		if len(out) == 0 {
			return [][]string{nil}
		}
		return out
	}
	tests := []struct {
		name string
		q    AlertQuery
		want []string
	}{
		{"all", AlertQuery{}, newestFirst(all...)},
		{"watch", AlertQuery{Watch: "acme"}, newestFirst(all[0], all[1], all[2], all[5])},
		{"watch is not a prefix", AlertQuery{Watch: "acme-"}, nil},
		{"source", AlertQuery{Source: "blog"}, newestFirst(all[2], all[4])},
		{"watch and source", AlertQuery{Watch: "acme", Source: "wire"}, newestFirst(all[0], all[1], all[5])},
		{"since", AlertQuery{Since: t0.Add(2 * time.Minute)}, newestFirst(all[3:]...)},
		{"watch since", AlertQuery{Watch: "bolt", Since: t0.Add(3 * time.Minute)}, newestFirst(all[4])},
		{"since in the future", AlertQuery{Since: t0.Add(time.Hour)}, nil},
		{"unknown watch", AlertQuery{Watch: "nobody"}, nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 3, 50} {
			q := tt.q
			q.Limit = limit
			got := pageIDs(t, s, q)
			if want := chunk(tt.want, limit); !cmp.Equal(got, want) {
				t.Errorf("%s: Alerts(%+v) pages = %q, want %q", tt.name, q, got, want)
			}
		}
	}
}

// TestAlertsCursorIsStable: alerts stored after the first page was read
// (newer ones, and one found earlier than the whole page) do not shift
// the following pages; the first page shows the new ones.
func TestAlertsCursorIsStable(t *testing.T) {
	s, _ := openTest(t)
	var old []news.Alert
	for i := range 6 {
		old = append(old, historyAlert("acme", "wire", i, t0.Add(time.Duration(i)*time.Minute)))
	}
	recordAlerts(t, s, old, "slack")
	first, err := s.Alerts(AlertQuery{Limit: 2})
	if err != nil || first.Next == "" {
		t.Fatalf("Alerts(limit 2) = %+v, %v", first, err)
	}
	newer := historyAlert("acme", "wire", 10, t0.Add(time.Hour))
	recordAlerts(t, s, []news.Alert{newer}, "slack")
	got := pageIDs(t, s, AlertQuery{Limit: 2, Cursor: first.Next})
	if want := [][]string{ids(old[3], old[2]), ids(old[1], old[0])}; !cmp.Equal(got, want) {
		t.Errorf("pages after the cursor = %q, want %q", got, want)
	}
	top, err := s.Alerts(AlertQuery{Limit: 1})
	if err != nil || len(top.Alerts) != 1 || top.Alerts[0].Alert.ID != newer.ID {
		t.Errorf("Alerts(limit 1) = %+v, %v; want the newest alert first", top, err)
	}
}

func TestAlertsLimit(t *testing.T) {
	s, _ := openTest(t)
	var as []news.Alert
	for i := range MaxAlertLimit + 1 {
		as = append(as, historyAlert("acme", "wire", i, t0.Add(time.Duration(i)*time.Second)))
	}
	recordAlerts(t, s, as)
	for _, tt := range []struct {
		limit, want int
		next        bool
	}{{0, DefaultAlertLimit, true}, {-1, DefaultAlertLimit, true}, {7, 7, true},
		{MaxAlertLimit, MaxAlertLimit, true}, {MaxAlertLimit + 1, MaxAlertLimit, true}, {100000, MaxAlertLimit, true}} {
		page, err := s.Alerts(AlertQuery{Limit: tt.limit})
		if err != nil || len(page.Alerts) != tt.want || (page.Next != "") != tt.next {
			t.Errorf("Alerts(limit %d) = %d alerts, next %q, %v; want %d, next %v", tt.limit, len(page.Alerts), page.Next, err, tt.want, tt.next)
		}
	}
	// The page that holds exactly the rest has no Next.
	first, _ := s.Alerts(AlertQuery{Limit: MaxAlertLimit})
	rest, err := s.Alerts(AlertQuery{Limit: MaxAlertLimit, Cursor: first.Next})
	if err != nil || len(rest.Alerts) != 1 || rest.Next != "" || rest.Alerts[0].Alert.ID != as[0].ID {
		t.Errorf("second page = %d alerts, next %q, %v; want the oldest alert and no next", len(rest.Alerts), rest.Next, err)
	}
}

// TestAlertsDeliveries: each alert lists its entries by notifier with
// their state, and only its own, also when another alert's ID starts
// with its ID.
func TestAlertsDeliveries(t *testing.T) {
	s, _ := openTest(t)
	a := historyAlert("acme", "wire", 1, t0)
	p := Pass{Source: "wire", Alerts: []QueuedAlert{
		{Alert: a, Notifiers: []string{"slack", "mail", "hook"}},
		// An ID with a's ID as prefix, and one with a's ID + "/" as prefix:
		// neither's entries belong to a.
		{Alert: news.Alert{ID: a.ID + "x", Watch: "acme", Source: "wire", Found: t0.Add(-time.Hour)}, Notifiers: []string{"slack"}},
		{Alert: news.Alert{ID: a.ID + "/y", Watch: "acme", Source: "wire", Found: t0.Add(-2 * time.Hour)}, Notifiers: []string{"mail"}},
		{Alert: historyAlert("acme", "wire", 2, t0.Add(-3*time.Hour))}, // no notifiers
	}}
	mustRecord(t, s, p)
	delivered, dead, next := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(5*time.Minute)
	if err := s.Ack(entryID(a.ID, "slack"), delivered); err != nil {
		t.Fatal(err)
	}
	if err := s.Dead(entryID(a.ID, "hook"), "404 Not Found", dead); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(entryID(a.ID, "mail"), next, "421 try later"); err != nil {
		t.Fatal(err)
	}
	page, err := s.Alerts(AlertQuery{})
	if err != nil || len(page.Alerts) != 4 {
		t.Fatalf("Alerts() = %d alerts, %v; want 4", len(page.Alerts), err)
	}
	want := []Delivery{
		{Notifier: "hook", State: DeliveryDead, Attempts: 1, At: dead, LastError: "404 Not Found"},
		{Notifier: "mail", State: DeliveryQueued, Attempts: 1, At: next, LastError: "421 try later"},
		{Notifier: "slack", State: DeliveryDelivered, At: delivered},
	}
	if diff := cmp.Diff(want, page.Alerts[0].Deliveries); diff != "" {
		t.Errorf("Deliveries of %s (-want +got):\n%s", a.ID, diff)
	}
	if !cmp.Equal(page.Alerts[0].Alert, a) {
		t.Errorf("Alerts()[0].Alert = %+v, want %+v", page.Alerts[0].Alert, a)
	}
	wantOthers := [][]string{{"slack"}, {"mail"}, nil}
	for i, w := range wantOthers {
		var got []string
		for _, d := range page.Alerts[i+1].Deliveries {
			got = append(got, d.Notifier)
		}
		if !slices.Equal(got, w) {
			t.Errorf("Deliveries of %s = %q, want %q", page.Alerts[i+1].Alert.ID, got, w)
		}
	}
}

func TestAlertsBadCursor(t *testing.T) {
	s, _ := openTest(t)
	for _, c := range []string{"!!!", "AA", EncodeAlertCursor([]byte("short")), "AQ", strings.Repeat("A", 4000)} {
		_, err := s.Alerts(AlertQuery{Cursor: c})
		if !errors.Is(err, ErrBadCursor) || !strings.Contains(err.Error(), "malformed alert cursor") {
			t.Errorf("Alerts(cursor %.20q) error = %v, want ErrBadCursor", c, err)
		}
	}
}

// FuzzAlertCursor: the decoder never panics, accepts only what the
// encoder produces, and round-trips every position.
func FuzzAlertCursor(f *testing.F) {
	f.Add("")
	f.Add("AQAAAAAAAAAAeA")
	f.Add(EncodeAlertCursor(foundKey(t0, []byte("nh_0123"))))
	f.Add("AQ==")
	f.Fuzz(func(t *testing.T, cursor string) {
		pos, err := DecodeAlertCursor(cursor)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Errorf("DecodeAlertCursor(%q) error = %v, want ErrBadCursor", cursor, err)
			}
			return
		}
		if len(pos) <= 8 {
			t.Errorf("DecodeAlertCursor(%q) = %q, shorter than a position", cursor, pos)
		}
		if again := EncodeAlertCursor(pos); again != cursor {
			t.Errorf("EncodeAlertCursor(DecodeAlertCursor(%q)) = %q", cursor, again)
		}
		back, err := DecodeAlertCursor(EncodeAlertCursor(pos))
		if err != nil || !bytes.Equal(back, pos) {
			t.Errorf("round trip of %q = %q, %v", pos, back, err)
		}
	})
}

// TestMigrateV4ToV5: a version 4 file with alerts (and their entries)
// gets the history indexes built, and pages as a new file does; its texts
// end up in the segments (through v5's articles/ and v6's move).
func TestMigrateV4ToV5(t *testing.T) {
	older := historyAlert("acme", "blog", 1, t0.Add(-time.Hour))
	newer := historyAlert("bolt", "wire", 2, t0)
	texts, err := encodeTexts("wire", []news.Article{article("https://wire.example/t1", t0.Add(-48*time.Hour)), article("https://wire.example/t2", t0)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	lastMonth := t0.Add(-30 * 24 * time.Hour)
	path := fixture(t, func(tx *bbolt.Tx) error {
		if err := createBuckets(tx, slices.Concat(bucketsV1, bucketsV2, bucketsV3, bucketsV4)); err != nil {
			return err
		}
		puts := []struct {
			bucket, key []byte
			value       any
		}{
			{bucketMeta, keyVersion, 4},
			{bucketAlerts, []byte(older.ID), toAlertRecord(older)},
			{bucketAlerts, []byte(newer.ID), toAlertRecord(newer)},
			{bucketDelivered, []byte(entryID(older.ID, "slack")), t0},
			{bucketSeen, seenKey("wire", "https://wire.example/x"), t0},
			{bucketSeen, seenKey("wire", "https://wire.example/old"), lastMonth},
			{bucketSeen, seenKey("blog", "https://wire.example/old"), t0},
		}
		for _, p := range puts {
			if err := putJSON(tx.Bucket(p.bucket), p.key, p.value); err != nil {
				return err
			}
		}
		// The v4 text layout: texts/ by ID, texts_by_found/ as index.
		for _, tx4 := range texts {
			if err := tx.Bucket(bucketTexts).Put(tx4.key, tx4.value); err != nil {
				return err
			}
			if err := tx.Bucket(bucketTextsByFound).Put(foundKey(tx4.at, tx4.key), []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(v4 fixture) error: %v", err)
	}
	defer s.Close()
	checkBuckets(t, s)
	if got, want := pageIDs(t, s, AlertQuery{}), [][]string{ids(newer, older)}; !cmp.Equal(got, want) {
		t.Errorf("Alerts() after migration = %q, want %q", got, want)
	}
	if got, want := pageIDs(t, s, AlertQuery{Source: "blog"}), [][]string{ids(older)}; !cmp.Equal(got, want) {
		t.Errorf("Alerts(source blog) after migration = %q, want %q", got, want)
	}
	page, err := s.Alerts(AlertQuery{Watch: "acme"})
	if err != nil || len(page.Alerts) != 1 || len(page.Alerts[0].Deliveries) != 1 || page.Alerts[0].Deliveries[0].State != DeliveryDelivered {
		t.Errorf("Alerts(watch acme) after migration = %+v, %v; want the delivered alert", page, err)
	}
	for _, tt := range []struct {
		source, key string
		week        uint32
	}{{"wire", "https://wire.example/x", weekOf(t0)}, {"wire", "https://wire.example/old", weekOf(lastMonth)}, {"blog", "https://wire.example/old", weekOf(t0)}} {
		if seen, err := s.Seen(tt.source, tt.key); err != nil || !seen {
			t.Errorf("Seen(%s, %s) after migration = %v, %v; want true", tt.source, tt.key, seen, err)
		}
		var week uint32
		_ = s.db.View(func(tx *bbolt.Tx) (err error) {
			week, _, err = seenWeekOf(tx, tt.source, tt.key)
			return err
		})
		if week != tt.week {
			t.Errorf("first-seen week of %s %s after migration = %d, want %d", tt.source, tt.key, week, tt.week)
		}
	}
	if got, want := storedIDs(t, s, time.Time{}), []string{"https://wire.example/t1", "https://wire.example/t2"}; !slices.Equal(got, want) {
		t.Errorf("Articles() after migration = %q, want %q", got, want)
	}
	// First record wins across the migration.
	mustRecord(t, s, Pass{Source: "blog", Seen: []news.Article{article("https://wire.example/t1", t0.Add(time.Hour))}})
	if got := segmentRecords(t, s); got != 2 {
		t.Errorf("the segments hold %d texts after recording a migrated one again, want 2", got)
	}
	if n, err := s.PruneTexts(t0.Add(-time.Hour), 0); n != 1 || err != nil {
		t.Errorf("PruneTexts(after migration) = %d, %v; want 1", n, err)
	}
	if got := countKeys(t, s, bucketArticleIDs); got != 2 {
		t.Errorf("article_ids/ holds %d keys after pruning one of two texts in the same week, want 2", got)
	}
	if n, err := s.PruneTexts(t0.Add(30*24*time.Hour), 0); n != 1 || err != nil {
		t.Errorf("PruneTexts(a month later) = %d, %v; want 1", n, err)
	}
	if got := countKeys(t, s, bucketArticleIDs); got != 0 {
		t.Errorf("article_ids/ holds %d keys after pruning every week, want 0", got)
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketTexts, bucketTextsByFound} {
			if tx.Bucket(name) != nil {
				t.Errorf("bucket %s still exists after migration", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), fmt.Sprint(schemaVersion); got != want {
		t.Errorf("meta/version after migration = %q, want %s", got, want)
	}
}

// TestOnDiskAlertIndexes pins the keys of the three alert indexes and the
// cursor text (clients keep cursors between requests).
func TestOnDiskAlertIndexes(t *testing.T) {
	s, path := openTest(t)
	a := historyAlert("acme", "wire", 1, t0)
	recordAlerts(t, s, []news.Alert{a}, "slack")
	// A second, older alert, so that the first page has a cursor.
	recordAlerts(t, s, []news.Alert{historyAlert("acme", "wire", 0, t0.Add(-time.Second))})
	page, err := s.Alerts(AlertQuery{Limit: 1})
	if err != nil || page.Next == "" {
		t.Fatalf("Alerts(limit 1) = %+v, %v", page, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out strings.Builder
	fmt.Fprintf(&out, "cursor after %s: %s\n", a.ID, page.Next)
	_ = db.View(func(tx *bbolt.Tx) error {
		for _, name := range bucketsV5[:3] {
			_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(&out, "%s/%q → %q\n", name, k, v)
				return nil
			})
		}
		return nil
	})
	golden.Check(t, filepath.Join("testdata", "alert_index.golden.txt"), []byte(out.String()))
}
