package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Queue stores alerts outside a crawl pass (notices), in one transaction,
// with the same dedup rule as Record: an alert whose ID is stored already
// is skipped. It returns the IDs newly stored. An invalid alert (empty ID
// or notifier name) stores nothing.
func (s *Store) Queue(alerts []QueuedAlert) (queued []string, err error) {
	if err := validateAlerts(alerts); err != nil {
		return nil, fmt.Errorf("queue alerts: %w", err)
	}
	now := utc(s.now())
	err = s.update(func(tx *bbolt.Tx) error {
		queued, err = queueAlerts(tx, alerts, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue alerts: %w", err)
	}
	return queued, nil
}

// validateAlerts checks what the outbox needs of queued alerts: an ID and
// notifier names usable in the due index.
func validateAlerts(alerts []QueuedAlert) error {
	for i, qa := range alerts {
		if qa.Alert.ID == "" {
			return fmt.Errorf("alerts[%d]: empty ID", i)
		}
		// The alert indexes separate the watch and source names from the
		// time with 0x00.
		if strings.ContainsRune(qa.Alert.Watch, 0) || strings.ContainsRune(qa.Alert.Source, 0) {
			return fmt.Errorf("alerts[%d]: watch or source name contains a NUL byte", i)
		}
		for _, r := range qa.Deliveries() {
			if err := validNotifier(r.Notifier); err != nil {
				return fmt.Errorf("alerts[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func validNotifier(name string) error {
	switch {
	case name == "":
		return errors.New("empty notifier name")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("notifier name %q contains a NUL byte", name)
	}
	return nil
}

// queueAlerts queues each alert not stored yet and returns their IDs.
func queueAlerts(tx *bbolt.Tx, alerts []QueuedAlert, now time.Time) ([]string, error) {
	var queued []string
	for _, qa := range alerts {
		isNew, err := queueAlert(tx, qa, now)
		if err != nil {
			return nil, err
		}
		if isNew {
			queued = append(queued, qa.Alert.ID)
		}
	}
	return queued, nil
}

// queueAlert stores a new alert and one outbox entry per distinct notifier
// (qa.Deliveries: the first route naming it wins); it reports false, and
// changes nothing, when the alert ID is already stored.
func queueAlert(tx *bbolt.Tx, qa QueuedAlert, now time.Time) (bool, error) {
	alerts := tx.Bucket(bucketAlerts)
	id := []byte(qa.Alert.ID)
	if alerts.Get(id) != nil {
		return false, nil
	}
	rec := toAlertRecord(qa.Alert)
	if err := putJSON(alerts, id, rec); err != nil {
		return false, fmt.Errorf("store alert %s: %w", qa.Alert.ID, err)
	}
	if err := indexAlert(tx, rec); err != nil {
		return false, err
	}
	for _, r := range qa.Deliveries() {
		due := now
		if !r.Due.IsZero() {
			due = utc(r.Due)
		}
		e := entryRecord{
			AlertID: qa.Alert.ID, Notifier: r.Notifier, Created: now,
			NextAttempt: due, FirstDue: due, Digest: r.Digest,
		}
		if err := putEntry(tx, entryID(qa.Alert.ID, r.Notifier), e); err != nil {
			return false, err
		}
	}
	return true, nil
}
