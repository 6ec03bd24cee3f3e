package outbox

import (
	"slices"
	"testing"
	"time"
)

func TestDeliveries(t *testing.T) {
	later := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		qa   QueuedAlert
		want []Route
	}{
		{"none", QueuedAlert{}, []Route{}},
		{"notifiers at once", QueuedAlert{Notifiers: []string{"slack", "mail"}}, []Route{{Notifier: "slack"}, {Notifier: "mail"}}},
		{"notifier twice", QueuedAlert{Notifiers: []string{"slack", "slack"}}, []Route{{Notifier: "slack"}}},
		{"notifiers before routes", QueuedAlert{Notifiers: []string{"mail"}, Routes: []Route{{Notifier: "mail", Due: later, Digest: true}, {Notifier: "hook", Due: later}}},
			[]Route{{Notifier: "mail"}, {Notifier: "hook", Due: later}}},
		{"first route wins", QueuedAlert{Routes: []Route{{Notifier: "hook", Digest: true}, {Notifier: "hook", Due: later}}}, []Route{{Notifier: "hook", Digest: true}}},
	} {
		if got := tc.qa.Deliveries(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Deliveries() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEntryID(t *testing.T) {
	if got, want := EntryID("nh_1f", "ops-hook"), "nh_1f/ops-hook"; got != want {
		t.Errorf("EntryID(%q, %q) = %q, want %q", "nh_1f", "ops-hook", got, want)
	}
}
