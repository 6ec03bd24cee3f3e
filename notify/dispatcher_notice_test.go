package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
	"github.com/newshound/newshound/store"
)

// noticeBox is a notice recipient that keeps what it was sent.
type noticeBox struct {
	mu     sync.Mutex
	alerts []news.Alert
	fail   error // answer with this permanent failure when set
}

func (n *noticeBox) Notify(_ context.Context, a news.Alert) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alerts = append(n.alerts, a)
	return false, n.fail
}

func (n *noticeBox) got() []news.Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]news.Alert(nil), n.alerts...)
}

var errGone = fmt.Errorf("receiver answered 410 Gone: no such channel: %w", ErrGone)

// TestGoneDisablesNotifier: a 410 disables the notifier (one warning, one
// notice), its entries wait without attempts, and a changed fingerprint
// re-enables it.
func TestGoneDisablesNotifier(t *testing.T) {
	f := newFixture(t, nil)
	gone := true
	var mu sync.Mutex
	slack := &recorder{answer: func(int) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if gone {
			return false, errGone
		}
		return false, nil
	}}
	ops := &noticeBox{}
	channels := func(fp string) map[string]Channel {
		return map[string]Channel{"team-slack": {Notifier: slack, Fingerprint: fp}, "ops": {Notifier: ops}}
	}
	d := f.dispatcherWith(channels("v1"), []string{"ops"}, DispatcherOptions{})
	alerts := f.queueRoutes(t, []string{"team-slack"}, nil, urls("https://example.com/g", 3)...)

	mustSweep(t, d, Report{Deferred: 3, Delivered: 1}) // the notice went to ops
	if n := len(slack.calls()); n != 1 {
		t.Errorf("gone notifier called %d times, want 1", n)
	}
	dis, err := f.store.DisabledNotifiers()
	if err != nil || len(dis) != 1 || dis[0].Name != "team-slack" || dis[0].Fingerprint != "v1" || !dis[0].Announced ||
		!strings.Contains(dis[0].Reason, "410 Gone") {
		t.Fatalf("DisabledNotifiers() = %+v, %v; want team-slack, fingerprint v1, announced", dis, err)
	}
	for _, e := range f.queued(t) {
		if want := e.FirstDue.Add(DefaultMaxQueueAge); e.Attempts != 0 || !e.NextAttempt.Equal(want) {
			t.Errorf("entry of the disabled notifier = %+v; want no attempt, next %v", e, want)
		}
	}
	notices := ops.got()
	if len(notices) != 1 || notices[0].Watch != news.WatchDelivery ||
		!strings.HasPrefix(notices[0].Title, `Notifier "team-slack" disabled: receiver answered 410 Gone`) ||
		!strings.Contains(notices[0].Title, `"newshound outbox enable team-slack"`) {
		t.Fatalf("notices = %+v; want one saying team-slack is disabled", notices)
	}

	// Still disabled: nothing is sent, nothing announced again.
	f.clock.Advance(time.Hour)
	d.SetChannels(channels("v1"), []string{"ops"})
	mustSweep(t, d, Report{})
	if n := len(slack.calls()); n != 1 || len(ops.got()) != 1 {
		t.Errorf("while disabled: %d sends, %d notices; want 1 and 1", n, len(ops.got()))
	}
	if n := strings.Count(f.logs.String(), "notifier disabled"); n != 1 {
		t.Errorf("%d warnings about the disabled notifier, want 1", n)
	}

	// A config change re-enables it: everything goes out at once.
	mu.Lock()
	gone = false
	mu.Unlock()
	d.SetChannels(channels("v2"), []string{"ops"})
	if dis, _ := f.store.DisabledNotifiers(); len(dis) != 0 {
		t.Errorf("after a fingerprint change, DisabledNotifiers() = %+v, want none", dis)
	}
	mustSweep(t, d, Report{Delivered: 3})
	got, want := slack.calls()[1:], ids(alerts)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after re-enabling, sent %q, want %q", got, want)
	}
}

// TestDisabledEntriesDieOfAge: nobody re-enables the notifier, so its
// entries become dead letters at max_queue_age, with one notice.
func TestDisabledEntriesDieOfAge(t *testing.T) {
	f := newFixture(t, nil)
	slack := &recorder{answer: func(int) (bool, error) { return false, errGone }}
	ops := &noticeBox{}
	d := f.dispatcherWith(map[string]Channel{"team-slack": {Notifier: slack, MaxQueueAge: 2 * time.Hour}, "ops": {Notifier: ops}},
		[]string{"ops"}, DispatcherOptions{})
	f.queueRoutes(t, []string{"team-slack"}, nil, urls("https://example.com/g", 2)...)
	mustSweep(t, d, Report{Deferred: 2, Delivered: 1})
	f.clock.Advance(2 * time.Hour)
	mustSweep(t, d, Report{Dead: 2, Delivered: 1})
	for _, e := range f.dead(t) {
		if !strings.HasPrefix(e.LastError, "queued longer than max_queue_age (2h0m0s); notifier \"team-slack\" is disabled: receiver answered 410 Gone") {
			t.Errorf("dead letter reason = %q", e.LastError)
		}
	}
	if n := len(ops.got()); n != 2 || !strings.HasPrefix(ops.got()[1].Title, `2 alerts could not be delivered through "team-slack"`) {
		t.Errorf("notices = %+v; want the disabled one, then one for both dead letters", ops.got())
	}
}

// TestMaxQueueAgeStorm: 500 entries too old to send die without being
// sent, and the recipients hear about it once.
func TestMaxQueueAgeStorm(t *testing.T) {
	f := newFixture(t, nil)
	hook := &recorder{}
	ops := &noticeBox{}
	d := f.dispatcherWith(map[string]Channel{"ops-hook": {Notifier: hook}, "ops": {Notifier: ops}}, []string{"ops"}, DispatcherOptions{})
	p := store.Pass{Source: "wire"}
	var want []string
	for i := range 500 {
		a := news.Alert{ID: news.AlertID("acme", fmt.Sprint(i)), Watch: "acme", Title: fmt.Sprintf("Alert %d", i)}
		p.Alerts = append(p.Alerts, outbox.QueuedAlert{Alert: a, Notifiers: []string{"ops-hook"}})
		want = append(want, a.ID+"/ops-hook")
	}
	if _, err := f.store.Record(p); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(DefaultMaxQueueAge)
	mustSweep(t, d, Report{Dead: 500, Delivered: 1})
	if n := len(hook.calls()); n != 0 {
		t.Errorf("%d expired alerts were sent, want 0", n)
	}
	notices := ops.got()
	if len(notices) != 1 {
		t.Fatalf("%d notices for a storm of 500 dead letters, want 1", len(notices))
	}
	n := notices[0]
	dead := f.dead(t)
	deadIDs := make([]string, len(dead))
	for i, e := range dead {
		deadIDs[i] = e.ID
	}
	if got := slices.Sorted(slices.Values(deadIDs)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("dead letters = %d entries, want the 500 queued", len(got))
	}
	if wantID := news.AlertID(news.WatchDelivery, strings.Join(deadIDs, ",")); n.ID != wantID {
		t.Errorf("notice ID = %s, want %s (derived from the dead letters)", n.ID, wantID)
	}
	if !strings.HasPrefix(n.Title, `500 alerts could not be delivered through "ops-hook": queued longer than max_queue_age (48h0m0s)`) ||
		strings.Count(n.Snippet, "\n- ") != 9 || !strings.Contains(n.Snippet, "… and 490 more") || n.URL != "" || n.Source != "" {
		t.Errorf("notice = %+v", n)
	}
	mustSweep(t, d, Report{})
	if len(ops.got()) != 1 {
		t.Errorf("a second sweep sent another notice")
	}
}

// TestExpiredReasonKeepsLastError: the dead letter says why it was late.
func TestExpiredReasonKeepsLastError(t *testing.T) {
	f := newFixture(t, nil)
	hook := &recorder{answer: func(int) (bool, error) { return true, err503 }}
	d := f.dispatcherWith(map[string]Channel{"hook": {Notifier: hook, MaxQueueAge: time.Minute}}, nil, DispatcherOptions{})
	f.queue(t, []string{"hook"}, "https://example.com/a")
	mustSweep(t, d, Report{Retried: 1})
	f.clock.Advance(time.Minute)
	mustSweep(t, d, Report{Dead: 1})
	if dead := f.dead(t); len(dead) != 1 || dead[0].LastError != "queued longer than max_queue_age (1m0s); last error: "+err503.Error() {
		t.Errorf("dead letters = %+v", dead)
	}
	if !strings.Contains(f.logs.String(), "delivery notice (no health.notify notifier to send it to)") {
		t.Errorf("with no notice recipients the notice is not logged:\n%s", f.logs)
	}
	if q := f.queued(t); len(q) != 0 {
		t.Errorf("queued = %+v; with no recipients nothing is queued", q)
	}
}

// TestNoticeThatDiesRaisesNone: the notice recipient rejects everything;
// the notice becomes a dead letter and no notice is raised about it.
func TestNoticeThatDiesRaisesNone(t *testing.T) {
	f := newFixture(t, nil)
	hook := notifierFunc(func(context.Context, news.Alert) (bool, error) {
		return false, errors.New("receiver answered 401 Unauthorized: bad token")
	})
	ops := &noticeBox{fail: errors.New("receiver answered 400 Bad Request: invalid_payload")}
	d := f.dispatcherWith(map[string]Channel{"hook": {Notifier: hook}, "ops": {Notifier: ops}}, []string{"ops"}, DispatcherOptions{})
	f.queue(t, []string{"hook"}, "https://example.com/a")
	mustSweep(t, d, Report{Dead: 2})
	for range 2 {
		f.clock.Advance(time.Hour)
		mustSweep(t, d, Report{})
	}
	if n := len(ops.got()); n != 1 {
		t.Errorf("notice recipient called %d times, want 1 (the notice about hook only)", n)
	}
	if dead := f.dead(t); len(dead) != 2 || dead[1].Alert.Watch != news.WatchDelivery {
		t.Errorf("dead letters = %+v; want the alert and its notice", dead)
	}
}
