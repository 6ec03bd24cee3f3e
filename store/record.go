package store

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// SourceState is what the daemon remembers about one source between runs,
// including its health (see package app for the rules that set it).
type SourceState struct {
	LastRun, LastSuccess time.Time
	ConsecutiveFailures  int
	LastError            string
	Items                int // items/links discovered on the last run

	// ConsecutiveEmpty counts successful runs in a row that listed nothing
	// (a feed without items, a selector that matched no link, an empty
	// sitemap). A failed run leaves it as it was; a run that listed
	// something resets it.
	ConsecutiveEmpty int
	// New is how many new articles the last run fetched.
	New int
	// History is the number of items listed by each of the last
	// HistoryLen runs, oldest first (a failed run counts -1).
	History []int
	// Unhealthy is set when the source crossed the health threshold and
	// has not recovered since; the zero value is healthy.
	Unhealthy bool
	// UnhealthySince is when the source turned unhealthy; zero when
	// healthy.
	UnhealthySince time.Time
	// Noticed reports that the unhealthy notice was queued (or, with no
	// health notifiers, logged) for the current episode.
	Noticed bool
	// Episodes counts how many times the source turned unhealthy; it
	// keeps the notices' alert IDs distinct.
	Episodes int
	// Truncated counts the entries the listing named beyond the
	// crawler's limit on the last run that read it, dropped unread; 0
	// when it listed no more than the limit. A source that keeps listing
	// an absurd number of entries is broken or hostile.
	Truncated int
}

// QueuedAlert is an alert and where it goes (see outbox.QueuedAlert).
type QueuedAlert = outbox.QueuedAlert

// Route is one delivery of a queued alert with its own schedule (see
// outbox.Route).
type Route = outbox.Route

// Pass is everything one crawl of one source produced; Record stores it in
// ONE bbolt transaction.
type Pass struct {
	Source string
	// Seen lists every article handled this pass, alerted or not: each of
	// its Keys is marked seen for Source, and its text is kept (under its
	// ID, first record wins) for replay until PruneTexts removes it.
	Seen []news.Article
	// Alerts are the alerts to queue. An alert whose ID is already stored
	// is skipped, which deduplicates across sources and passes. An alert
	// with no notifiers is stored (so it is not raised again) but queues
	// nothing.
	Alerts []QueuedAlert
	State  SourceState
	// Fetch is the source's next fetch state, stored in the same
	// transaction (replacing the stored one), so validators are never
	// stored without the pass they describe; nil leaves it as it is.
	Fetch *FetchState
}

// Record stores a pass atomically: seen keys (keeping the first-seen time
// of keys already known), the text of each article not stored yet, new
// alerts with one outbox entry per distinct notifier (Notifiers due at
// once, Routes on their own schedule; see QueuedAlert), and the source's
// state and fetch state. It returns the IDs of the alerts newly stored. An
// invalid pass (empty source, alert ID or notifier name) records nothing.
// Texts are compressed and appended to the day's text segment before the
// write transaction starts; the transaction indexes them, and only
// indexed texts are ever read (see textlog.go).
//
// A pass with no seen keys, alerts or fetch state whose state differs
// from the stored one only in later LastRun and LastSuccess costs no
// write transaction: its run times are held in memory, seen by every
// reader at once, and written with the next write transaction, Backup or
// Close (see runtimes.go for why losing them to a crash is harmless).
// Every write transaction of Record writes the run times held so far.
func (s *Store) Record(p Pass) (queued []string, err error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("record pass: %w", err)
	}
	if p.onlyRunTimes() {
		if held, err := s.holdRunTimes(p); held || err != nil {
			return nil, wrapf(err, "record pass for source %q", p.Source)
		}
	}
	var fetch *fetchRecord
	if p.Fetch != nil {
		rec := toFetchRecord(*p.Fetch)
		fetch = &rec
	}
	now := utc(s.now())
	texts, err := encodeTexts(p.Source, p.Seen, now)
	if err == nil {
		texts, err = s.newTexts(texts)
	}
	if err == nil {
		// Appended before the transaction that makes them visible; see
		// textlog.go.
		err = s.texts.append(texts)
	}
	if err != nil {
		return nil, fmt.Errorf("record pass for source %q: %w", p.Source, err)
	}
	held, gen := s.held.snapshot()
	err = s.update(func(tx *bbolt.Tx) error {
		if err := markSeen(tx, p.Source, p.Seen, now); err != nil {
			return err
		}
		if err := indexTexts(tx, texts); err != nil {
			return err
		}
		var err error
		if queued, err = queueAlerts(tx, p.Alerts, now); err != nil {
			return err
		}
		if err := writeHeldRuns(tx, held); err != nil {
			return err
		}
		if fetch != nil {
			if err := putJSON(tx.Bucket(bucketFetch), []byte(p.Source), *fetch); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket(bucketSources), []byte(p.Source), toSourceStateRecord(p.State))
	})
	if err != nil {
		return nil, fmt.Errorf("record pass for source %q: %w", p.Source, err)
	}
	s.held.drop(gen)
	return queued, nil
}

func (p Pass) validate() error {
	if p.Source == "" {
		return errors.New("source name is empty")
	}
	return validateAlerts(p.Alerts)
}

// Seen reports whether key is marked seen for source.
func (s *Store) Seen(source, key string) (bool, error) {
	var seen bool
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		seen, err = isSeen(tx, seenFingerprint(source, key))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("look up seen key for source %q: %w", source, err)
	}
	return seen, nil
}

// SeenMany reports which of keys are marked seen for source, in one read
// transaction: the weeks stored are listed once, then each key costs one
// look-up per week. It answers as Seen would for each key; the map holds
// the keys seen.
func (s *Store) SeenMany(source string, keys []string) (map[string]bool, error) {
	seen := make(map[string]bool)
	err := s.view(func(tx *bbolt.Tx) error {
		cur, sealed := tx.Bucket(bucketSeenWeek), tx.Bucket(bucketSeen)
		curWeeks, err := storedWeeks(cur)
		if err != nil {
			return err
		}
		sealedWeeks, err := storedWeeks(sealed)
		if err != nil {
			return err
		}
		for _, key := range keys {
			f := seenFingerprint(source, key)
			ok, err := isSeenInWeeks(cur, curWeeks, f)
			if err == nil && !ok {
				ok, err = isSeenInWeeks(sealed, sealedWeeks, f)
			}
			if err != nil {
				return err
			}
			if ok {
				seen[key] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up seen keys for source %q: %w", source, err)
	}
	return seen, nil
}

// SourceState returns the stored state of a source, with the run times
// Record holds in memory; ok is false for a source that has never been
// recorded.
func (s *Store) SourceState(source string) (state SourceState, ok bool, err error) {
	var rec sourceStateRecord
	ok, err = s.getJSON(bucketSources, source, &rec)
	if err != nil || !ok {
		return SourceState{}, ok, wrapf(err, "read state of source %q", source)
	}
	return s.withHeldRuns(source, rec), true, nil
}

// States returns what a pass needs of a source, in one read transaction:
// its state (as SourceState returns it) and its fetch state (as
// FetchState). Either is the zero value when none was stored.
func (s *Store) States(source string) (SourceState, FetchState, error) {
	var (
		rec          sourceStateRecord
		frec         fetchRecord
		stored, have bool
	)
	err := s.view(func(tx *bbolt.Tx) error {
		if raw := tx.Bucket(bucketSources).Get([]byte(source)); raw != nil {
			stored = true
			if err := decode(raw, &rec); err != nil {
				return fmt.Errorf("read state: %w", err)
			}
		}
		if raw := tx.Bucket(bucketFetch).Get([]byte(source)); raw != nil {
			have = true
			if err := decode(raw, &frec); err != nil {
				return fmt.Errorf("read fetch state: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return SourceState{}, FetchState{}, fmt.Errorf("read states of source %q: %w", source, err)
	}
	var state SourceState
	if stored {
		state = s.withHeldRuns(source, rec)
	}
	var fetch FetchState
	if have {
		fetch = frec.state()
	}
	return state, fetch, nil
}

// withHeldRuns is rec as a SourceState, with the run times held for
// source when they are later.
func (s *Store) withHeldRuns(source string, rec sourceStateRecord) SourceState {
	if rt, ok := s.held.get(source); ok {
		rt.apply(&rec)
	}
	return rec.state()
}

// Alert returns a stored alert by ID.
func (s *Store) Alert(id string) (news.Alert, bool, error) {
	var rec alertRecord
	ok, err := s.getJSON(bucketAlerts, id, &rec)
	if err != nil || !ok {
		return news.Alert{}, ok, wrapf(err, "read alert %s", id)
	}
	return rec.alert(), true, nil
}

// KnownAlerts returns which of ids are stored alerts, in one read
// transaction.
func (s *Store) KnownAlerts(ids []string) (map[string]bool, error) {
	known := make(map[string]bool)
	err := s.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlerts)
		for _, id := range ids {
			if b.Get([]byte(id)) != nil {
				known[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up alerts: %w", err)
	}
	return known, nil
}

// Delivered returns when the outbox entry id was acknowledged; ok is false
// if it never was.
func (s *Store) Delivered(id string) (at time.Time, ok bool, err error) {
	ok, err = s.getJSON(bucketDelivered, id, &at)
	if err != nil || !ok {
		return time.Time{}, ok, wrapf(err, "read delivery of %s", id)
	}
	return at, true, nil
}

// getJSON decodes bucket/key into v inside a read transaction.
func (s *Store) getJSON(bucket []byte, key string, v any) (found bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucket).Get([]byte(key))
		if raw == nil {
			return nil
		}
		found = true
		return decode(raw, v)
	})
	return found, err
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw, err := encode(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// wrapf adds context to a non-nil error and passes nil through.
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
