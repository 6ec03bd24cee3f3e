package store

import (
	"bytes"
	"encoding/hex"
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

// recordAt records pass with the store's clock at at.
func recordAt(t *testing.T, s *Store, at time.Time, p Pass) {
	t.Helper()
	s.now = func() time.Time { return at }
	mustRecord(t, s, p)
}

func seenPass(keys ...string) Pass {
	p := Pass{Source: "wire"}
	for _, k := range keys {
		p.Seen = append(p.Seen, news.Article{Keys: []string{k}})
	}
	return p
}

func mustSeen(t *testing.T, s *Store, key string) bool {
	t.Helper()
	ok, err := s.Seen("wire", key)
	if err != nil {
		t.Fatalf("Seen(wire, %q) error: %v", key, err)
	}
	return ok
}

// TestPruneSeen: a week's keys go once the whole week is older than the
// retention; a key listed again keeps its first week and goes with it.
func TestPruneSeen(t *testing.T) {
	s, _ := openTest(t)
	week := weekStart(weekOf(t0))
	day := 24 * time.Hour
	recordAt(t, s, week.Add(time.Hour), seenPass("a", "a2"))
	recordAt(t, s, week.Add(8*day), seenPass("b", "a")) // a again: stays in week 0
	recordAt(t, s, week.Add(15*day), seenPass("c"))
	tests := []struct {
		now       time.Time
		retention time.Duration
		wantN     int
		want      map[string]bool
	}{
		// Week 0 ends at week+7d; with 7 days kept, it goes at week+14d.
		{week.Add(14*day - time.Second), 7 * day, 0, map[string]bool{"a": true, "a2": true, "b": true, "c": true}},
		{week.Add(14 * day), 7 * day, 2, map[string]bool{"a": false, "a2": false, "b": true, "c": true}},
		{week.Add(15*day + time.Hour), time.Hour, 1, map[string]bool{"b": false, "c": true}},
		{week.Add(15*day + time.Hour), time.Hour, 0, map[string]bool{"c": true}},
	}
	for _, tt := range tests {
		rep, err := s.Prune(Retention{Seen: tt.retention}, tt.now)
		if err != nil || rep != (PruneReport{Seen: tt.wantN}) {
			t.Errorf("Prune(seen %v, at %v) = %+v, %v; want %d seen keys", tt.retention, tt.now, rep, err, tt.wantN)
		}
		for k, want := range tt.want {
			if got := mustSeen(t, s, k); got != want {
				t.Errorf("after Prune(seen %v, at %v): Seen(%q) = %v, want %v", tt.retention, tt.now, k, got, want)
			}
		}
	}
}

// TestPruneSeenBatches: more sets than one transaction deletes are all
// pruned.
func TestPruneSeenBatches(t *testing.T) {
	s, _ := openTest(t)
	var keys []string
	for i := range 3 * pruneSeenSets {
		keys = append(keys, fmt.Sprintf("https://example.com/%d", i))
	}
	recordAt(t, s, t0, seenPass(keys...))
	sets := countKeys(t, s, bucketSeen) + countKeys(t, s, bucketSeenWeek)
	if sets <= pruneSeenSets {
		t.Fatalf("%d keys filled only %d sets; the test needs more than %d", len(keys), sets, pruneSeenSets)
	}
	rep, err := s.Prune(Retention{Seen: time.Hour}, t0.Add(30*24*time.Hour))
	if err != nil || rep.Seen != len(keys) {
		t.Errorf("Prune(seen) = %+v, %v; want %d keys", rep, err, len(keys))
	}
	if n := countKeys(t, s, bucketSeen) + countKeys(t, s, bucketSeenWeek); n != 0 {
		t.Errorf("seen/ and seen_week/ hold %d sets after pruning all, want 0", n)
	}
}

// TestSealWeeks: the first pass of a week moves the earlier weeks' sets
// to seen/, merging with sets already there (a file migrated mid-week),
// and every key stays seen in its first week.
func TestSealWeeks(t *testing.T) {
	s, _ := openTest(t)
	week := weekStart(weekOf(t0))
	recordAt(t, s, week, seenPass("a", "b"))
	// A migrated file has the current week in seen/ already.
	err := s.db.Update(func(tx *bbolt.Tx) error {
		f := seenFingerprint("wire", "m")
		return addToSets(tx.Bucket(bucketSeen), weekOf(week), map[uint16][][seenFPLen]byte{f.slot: {f.fp}})
	})
	if err != nil {
		t.Fatal(err)
	}
	recordAt(t, s, week.Add(24*time.Hour), seenPass("c"))
	if n := countKeys(t, s, bucketSeen); n != 1 {
		t.Errorf("seen/ holds %d sets before the week ends, want the migrated one", n)
	}
	// Enough keys to fill many pages of seen_week/: emptied in the
	// transaction that then looks keys up in it, they once made a bbolt
	// cursor loop forever.
	var many []string
	for i := range 3 * 4096 {
		many = append(many, fmt.Sprintf("https://example.com/many/%d", i))
	}
	recordAt(t, s, week.Add(2*24*time.Hour), seenPass(many...))
	recordAt(t, s, week.Add(8*24*time.Hour), seenPass("d", "a"))
	if n := countKeys(t, s, bucketSeenWeek); n != 1 {
		t.Errorf("seen_week/ holds %d sets after the week ended, want d's", n)
	}
	if !mustSeen(t, s, many[4000]) {
		t.Errorf("Seen(%s) after sealing = false", many[4000])
	}
	for key, want := range map[string]uint32{"a": weekOf(week), "b": weekOf(week), "c": weekOf(week), "m": weekOf(week), "d": weekOf(week) + 1} {
		var got uint32
		var ok bool
		err := s.db.View(func(tx *bbolt.Tx) (err error) {
			got, ok, err = seenWeekOf(tx, "wire", key)
			return err
		})
		if err != nil || !ok || got != want || !mustSeen(t, s, key) {
			t.Errorf("week of %q = %d, %v, %v; want %d and seen", key, got, ok, err, want)
		}
	}
}

// TestSeenKeys: keys are told apart per source (also for sources that
// are prefixes of one another) and long keys work.
func TestSeenKeys(t *testing.T) {
	s, _ := openTest(t)
	long := "https://example.com/" + strings.Repeat("x", 2000)
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{{Keys: []string{"a", long, ""}}}})
	mustRecord(t, s, Pass{Source: "wire2", Seen: []news.Article{{Keys: []string{"b"}}}})
	tests := []struct {
		source, key string
		want        bool
	}{
		{"wire", "a", true}, {"wire", long, true}, {"wire", long[:len(long)-1], false},
		{"wire2", "a", false}, {"wire", "b", false}, {"wire2", "b", true}, {"wir", "e\x00a", false},
		{"wire", "", false},
	}
	for _, tt := range tests {
		if got, err := s.Seen(tt.source, tt.key); err != nil || got != tt.want {
			t.Errorf("Seen(%q, %.30q) = %v, %v; want %v", tt.source, tt.key, got, err, tt.want)
		}
	}
}

// TestOnDiskSeen pins the binary seen set encoding: the set keys and the
// fingerprints, as hex, of a sealed week and the current one.
func TestOnDiskSeen(t *testing.T) {
	s, path := openTest(t)
	recordAt(t, s, t0, seenPass("https://example.com/a", "https://example.com/b", "guid:1"))
	recordAt(t, s, t0.Add(7*24*time.Hour), seenPass("https://example.com/c"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out strings.Builder
	_ = db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketSeen, bucketSeenWeek} {
			_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(&out, "%s/%s → %s\n", name, hex.EncodeToString(k), hex.EncodeToString(v))
				return nil
			})
		}
		return nil
	})
	golden.Check(t, filepath.Join("testdata", "seen.golden.txt"), []byte(out.String()))
}

// TestPruneAlerts: old alerts go with their delivered, dead and announce
// records and index keys; an old alert with a queued entry stays until it
// is delivered; newer alerts stay.
func TestPruneAlerts(t *testing.T) {
	s, _ := openTest(t)
	day := 24 * time.Hour
	delivered := historyAlert("acme", "wire", 1, t0)
	dead := historyAlert("acme", "wire", 2, t0.Add(time.Minute))
	queued := historyAlert("acme", "blog", 3, t0.Add(2*time.Minute))
	fresh := historyAlert("acme", "wire", 4, t0.Add(80*day))
	recordAlerts(t, s, []news.Alert{delivered, dead, queued, fresh}, "slack", "mail")
	for _, id := range []string{entryID(delivered.ID, "slack"), entryID(delivered.ID, "mail"), entryID(dead.ID, "slack"), entryID(queued.ID, "slack")} {
		if err := s.Ack(id, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Dead(entryID(dead.ID, "mail"), "550 no such user", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(91 * day)
	rep, err := s.Prune(Retention{Alerts: 90 * day}, now)
	if err != nil || rep != (PruneReport{Alerts: 2}) {
		t.Errorf("Prune(alerts 90d) = %+v, %v; want 2 alerts", rep, err)
	}
	if got, want := pageIDs(t, s, AlertQuery{}), [][]string{ids(fresh, queued)}; !cmp.Equal(got, want) {
		t.Errorf("Alerts() after Prune = %q, want %q", got, want)
	}
	if got, want := pageIDs(t, s, AlertQuery{Watch: "acme", Source: "wire"}), [][]string{ids(fresh)}; !cmp.Equal(got, want) {
		t.Errorf("Alerts(acme, wire) after Prune = %q, want %q", got, want)
	}
	for _, id := range []string{delivered.ID, dead.ID} {
		if _, ok, err := s.Alert(id); ok || err != nil {
			t.Errorf("Alert(%s) after Prune = %v, %v; want gone", id, ok, err)
		}
		if _, ok, err := s.Delivered(entryID(id, "slack")); ok || err != nil {
			t.Errorf("Delivered(%s/slack) after Prune = %v, %v; want gone", id, ok, err)
		}
	}
	if d, err := s.DeadLetters(); err != nil || len(d) != 0 {
		t.Errorf("DeadLetters() after Prune = %q, %v; want none", entryIDs(d), err)
	}
	called := false
	if _, err := s.Announce(func([]Entry, []DisabledNotifier) []QueuedAlert { called = true; return nil }); err != nil || called {
		t.Errorf("Announce() after Prune called build = %v, %v; want the pruned dead letter gone from announce/", called, err)
	}
	for bucket, want := range map[string]int{"alerts_by_found": 2, "alerts_by_watch": 2, "alerts_by_source": 2, "delivered": 1, "announce": 0} {
		if got := countKeys(t, s, []byte(bucket)); got != want {
			t.Errorf("%s/ holds %d keys after Prune, want %d", bucket, got, want)
		}
	}
	// Once its last entry is delivered, the queued alert goes too.
	if err := s.Ack(entryID(queued.ID, "mail"), now); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Prune(Retention{Alerts: 90 * day}, now)
	if err != nil || rep != (PruneReport{Alerts: 1}) {
		t.Errorf("Prune(alerts 90d) after delivery = %+v, %v; want 1 alert", rep, err)
	}
	// A pruned alert's ID is free again: only the seen keys of its
	// article (and the app's matching) stop it from being raised again.
	if got, err := s.Queue([]QueuedAlert{{Alert: delivered, Notifiers: []string{"slack"}}}); err != nil || len(got) != 1 {
		t.Errorf("Queue(pruned alert) = %q, %v; want it queued again", got, err)
	}
}

// TestPruneAlertsBatches: a backlog larger than one transaction, with
// queued alerts interleaved, is pruned completely and the queued ones
// stay.
func TestPruneAlertsBatches(t *testing.T) {
	s, _ := openTest(t)
	var as []news.Alert
	for i := range 3*pruneAlerts + 7 {
		as = append(as, historyAlert("acme", "wire", i, t0.Add(time.Duration(i)*time.Second)))
	}
	recordAlerts(t, s, as, "slack")
	var keep []news.Alert
	for i, a := range as {
		if i%10 == 3 {
			keep = append(keep, a)
			continue
		}
		if err := s.Ack(entryID(a.ID, "slack"), t0); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.Prune(Retention{Alerts: time.Hour}, t0.Add(48*time.Hour))
	if err != nil || rep.Alerts != len(as)-len(keep) {
		t.Errorf("Prune() = %+v, %v; want %d alerts", rep, err, len(as)-len(keep))
	}
	slices.Reverse(keep)
	page, err := s.Alerts(AlertQuery{Limit: MaxAlertLimit})
	var got []string
	for _, r := range page.Alerts {
		got = append(got, r.Alert.ID)
	}
	if err != nil || !slices.Equal(got, ids(keep...)) {
		t.Errorf("Alerts() after Prune = %d alerts, %v; want the %d queued ones", len(got), err, len(keep))
	}
}

// TestPruneTextsAndNothing: Prune removes texts by Text, and zero
// retention removes nothing.
func TestPruneTextsAndNothing(t *testing.T) {
	s, _ := openTest(t)
	recordAt(t, s, t0, Pass{Source: "wire", Seen: []news.Article{article("https://example.com/a", t0), article("https://example.com/b", t0.Add(20*24*time.Hour))},
		Alerts: []QueuedAlert{{Alert: historyAlert("acme", "wire", 1, t0)}}})
	later := t0.Add(400 * 24 * time.Hour)
	if rep, err := s.Prune(Retention{}, later); err != nil || rep != (PruneReport{}) {
		t.Errorf("Prune(zero retention) = %+v, %v; want nothing", rep, err)
	}
	rep, err := s.Prune(Retention{Text: 14 * 24 * time.Hour}, t0.Add(15*24*time.Hour))
	if err != nil || rep != (PruneReport{Texts: 1}) {
		t.Errorf("Prune(text 14d) = %+v, %v; want 1 text", rep, err)
	}
	if got := storedIDs(t, s, time.Time{}); !slices.Equal(got, []string{"https://example.com/b"}) {
		t.Errorf("Articles() after Prune = %q", got)
	}
}

// FuzzSeenSet: setHas never panics on a stored value, refuses a value
// that is not whole fingerprints, and finds exactly the fingerprints a
// sorted set holds.
func FuzzSeenSet(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte("01234567"))
	f.Add([]byte("short"), []byte("01234567"))
	f.Add([]byte{}, []byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, set, fp []byte) {
		if len(fp) != seenFPLen {
			return
		}
		got, err := setHas(set, fp)
		if len(set)%seenFPLen != 0 {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("setHas(%d bytes) error = %v, want ErrCorrupt", len(set), err)
			}
			return
		}
		var fps [][]byte
		for i := 0; i < len(set); i += seenFPLen {
			fps = append(fps, set[i:i+seenFPLen])
		}
		if !slices.IsSortedFunc(fps, bytes.Compare) {
			return // stored sets are sorted; an unsorted one may be missed
		}
		want := slices.ContainsFunc(fps, func(x []byte) bool { return bytes.Equal(x, fp) })
		if err != nil || got != want {
			t.Errorf("setHas(%x, %x) = %v, %v; want %v", set, fp, got, err, want)
		}
	})
}
