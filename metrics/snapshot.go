package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Snapshotter reports the state that lives in the store, read at each
// scrape so the gauges are never stale. The daemon implements it over
// its *store.Store. It must be safe for concurrent use and quick: a
// scrape waits for it.
type Snapshotter interface {
	Snapshot() (Snapshot, error)
}

// Snapshot is the store's state at one moment.
type Snapshot struct {
	// Notifiers should list every configured notifier, also those with
	// nothing queued or dead, so their gauges read 0 instead of
	// disappearing; a notifier that is no longer configured but still
	// has entries may be listed too.
	Notifiers []NotifierSnapshot
	// StoreSizeBytes is the database file's size.
	StoreSizeBytes int64
	// TextSizeBytes is the size of the article text segments kept for
	// replay next to the database file.
	TextSizeBytes int64
}

// NotifierSnapshot is one notifier's share of the outbox.
type NotifierSnapshot struct {
	Name string
	// Queued is how many entries wait in the outbox.
	Queued int
	// OldestQueued is when the oldest waiting entry first fell due
	// (store.Entry.FirstDue, else Created); zero when none waits.
	OldestQueued time.Time
	// DeadLetters is how many dead letters are kept.
	DeadLetters int
}

var (
	descQueued = prometheus.NewDesc("newshound_outbox_queued",
		"Outbox entries waiting for delivery, per notifier.", []string{"notifier"}, nil)
	descOldestAge = prometheus.NewDesc("newshound_outbox_oldest_queued_age_seconds",
		"Seconds since the oldest waiting outbox entry fell due, per notifier; 0 when none waits.", []string{"notifier"}, nil)
	descDeadLetters = prometheus.NewDesc("newshound_dead_letters",
		"Dead letters kept, per notifier.", []string{"notifier"}, nil)
	descStoreSize = prometheus.NewDesc("newshound_store_size_bytes",
		"Size of the database file.", nil, nil)
	descTextSize = prometheus.NewDesc("newshound_store_text_size_bytes",
		"Size of the article text segments kept for replay next to the database file.", nil, nil)
)

// snapshotCollector turns a Snapshot into gauges at scrape time.
type snapshotCollector struct {
	source Snapshotter
	now    func() time.Time
}

func newSnapshotCollector(source Snapshotter, now func() time.Time) *snapshotCollector {
	return &snapshotCollector{source: source, now: now}
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descQueued
	ch <- descOldestAge
	ch <- descDeadLetters
	ch <- descStoreSize
	ch <- descTextSize
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	snap, err := c.source.Snapshot()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descStoreSize, fmt.Errorf("read store snapshot: %w", err))
		return
	}
	now := c.now()
	seen := make(map[string]bool, len(snap.Notifiers))
	for _, n := range snap.Notifiers {
		if seen[n.Name] {
			continue // a duplicate series would fail the whole scrape
		}
		seen[n.Name] = true
		age := 0.0
		if n.Queued > 0 && !n.OldestQueued.IsZero() {
			age = max(now.Sub(n.OldestQueued).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(n.Queued), n.Name)
		ch <- prometheus.MustNewConstMetric(descOldestAge, prometheus.GaugeValue, age, n.Name)
		ch <- prometheus.MustNewConstMetric(descDeadLetters, prometheus.GaugeValue, float64(n.DeadLetters), n.Name)
	}
	ch <- prometheus.MustNewConstMetric(descStoreSize, prometheus.GaugeValue, float64(snap.StoreSizeBytes))
	ch <- prometheus.MustNewConstMetric(descTextSize, prometheus.GaugeValue, float64(snap.TextSizeBytes))
}
