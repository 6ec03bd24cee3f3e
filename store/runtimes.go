package store

import (
	"bytes"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// Run times held in memory.
//
// Most passes at scale find nothing (a 304, or a listing whose items are
// all seen): their whole record is the source's state with a later LastRun
// and LastSuccess. An fsync'd write transaction for that is most of what
// an idle poll costs, so Record keeps such a pass's run times in memory
// instead, and every reader of a source's state sees them at once. They
// reach the file with the next write transaction of any pass (which pays
// its fsync anyway), with Backup, and with Close.
//
// Why losing them is harmless: LastRun decides the catch-up at start (a
// source whose next run after it is past runs at once) and the status
// page's times; LastSuccess the status page and the health gauge. A crash
// that loses them leaves the times of an earlier pass of the same state:
// the source then looks overdue and polls once at start — one conditional
// request — and the pass writes fresh times. Nothing it remembers of
// articles, alerts, health or validators is ever held back: a pass that
// changes any of those writes as before. Skipping only while LastRun
// moved less than some part of the interval would save nothing, since a
// steady poll moves it by a whole interval each time.
type runTimes struct {
	lastRun, lastSuccess time.Time
}

// heldRuns is the run times Record holds for sources whose stored state
// differs from their last pass only in them.
type heldRuns struct {
	mu  sync.Mutex
	by  map[string]runTimes
	gen map[string]uint64 // bumped at each hold, so a flush drops only what it wrote
	n   uint64
}

// get returns the held run times of source.
func (h *heldRuns) get(source string) (runTimes, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rt, ok := h.by[source]
	return rt, ok
}

func (h *heldRuns) hold(source string, rt runTimes) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.by == nil {
		h.by, h.gen = map[string]runTimes{}, map[string]uint64{}
	}
	if old, ok := h.by[source]; ok {
		rt = old.later(rt)
	}
	h.n++
	h.by[source], h.gen[source] = rt, h.n
}

// snapshot returns what is held now, with its generations.
func (h *heldRuns) snapshot() (map[string]runTimes, map[string]uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.by) == 0 {
		return nil, nil
	}
	return maps.Clone(h.by), maps.Clone(h.gen)
}

// drop forgets the run times a committed flush wrote, unless a later pass
// held newer ones meanwhile.
func (h *heldRuns) drop(gen map[string]uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for src, g := range gen {
		if h.gen[src] == g {
			delete(h.by, src)
			delete(h.gen, src)
		}
	}
}

// later is the later of each time of r and o.
func (r runTimes) later(o runTimes) runTimes {
	if o.lastRun.After(r.lastRun) {
		r.lastRun = o.lastRun
	}
	if o.lastSuccess.After(r.lastSuccess) {
		r.lastSuccess = o.lastSuccess
	}
	return r
}

// apply sets the run times of rec to the later of its own and r's.
func (r runTimes) apply(rec *sourceStateRecord) {
	t := runTimes{rec.LastRun, rec.LastSuccess}.later(r)
	rec.LastRun, rec.LastSuccess = utc(t.lastRun), utc(t.lastSuccess)
}

// onlyRunTimes reports whether p records nothing but the source's state:
// no seen keys, no alerts, no fetch state.
func (p Pass) onlyRunTimes() bool {
	return len(p.Seen) == 0 && len(p.Alerts) == 0 && p.Fetch == nil
}

// holdRunTimes keeps p's run times in memory when p's state differs from
// the stored one only in later run times; it reports whether it did. It
// compares the encoded records, so a field added to the state later is
// compared too.
func (s *Store) holdRunTimes(p Pass) (bool, error) {
	next := toSourceStateRecord(p.State)
	var same bool
	err := s.view(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketSources).Get([]byte(p.Source))
		if raw == nil {
			return nil
		}
		var stored sourceStateRecord
		if err := decode(raw, &stored); err != nil {
			return err
		}
		if next.LastRun.Before(stored.LastRun) || next.LastSuccess.Before(stored.LastSuccess) {
			return nil
		}
		cmp := next
		cmp.LastRun, cmp.LastSuccess = stored.LastRun, stored.LastSuccess
		enc, err := encode(cmp)
		if err != nil {
			return err
		}
		same = bytes.Equal(enc, raw)
		return nil
	})
	if err != nil || !same {
		return false, wrapf(err, "read state of source %q", p.Source)
	}
	s.held.hold(p.Source, runTimes{next.LastRun, next.LastSuccess})
	return true, nil
}

// writeHeldRuns writes the held run times in snap into tx; the caller
// drops them (heldRuns.drop) once tx committed.
func writeHeldRuns(tx *bbolt.Tx, snap map[string]runTimes) error {
	b := tx.Bucket(bucketSources)
	for src, rt := range snap {
		raw := b.Get([]byte(src))
		if raw == nil {
			continue // only a stored state is ever held
		}
		var rec sourceStateRecord
		if err := decode(raw, &rec); err != nil {
			return fmt.Errorf("write run times of source %q: %w", src, err)
		}
		rt.apply(&rec)
		if err := putJSON(b, []byte(src), rec); err != nil {
			return fmt.Errorf("write run times of source %q: %w", src, err)
		}
	}
	return nil
}

// FlushRunTimes writes the run times held in memory (see runTimes) in one
// transaction; with none held it writes nothing. Close and Backup call it.
func (s *Store) FlushRunTimes() error {
	snap, gen := s.held.snapshot()
	if len(snap) == 0 {
		return nil
	}
	if err := s.update(func(tx *bbolt.Tx) error { return writeHeldRuns(tx, snap) }); err != nil {
		return fmt.Errorf("flush run times: %w", err)
	}
	s.held.drop(gen)
	return nil
}
