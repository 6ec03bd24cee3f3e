package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// Seen keys (schema v5) are kept as fingerprints in weekly sets, because
// one bbolt record per key costs 16 bytes of page header plus the key (a
// URL of ~100 bytes) plus a JSON time: a year at 20,000 articles a day
// with 180 days of retention would need over a gigabyte.
//
//	seen_week/<u32 BE week><u16 BE slot> → sorted 8-byte fingerprints
//	seen/<u32 BE week><u16 BE slot>      → the same, for sealed weeks
//
// The current week's sets live in seen_week/ and are rewritten as they
// grow; the first Record of a new week moves the finished ones to seen/
// (sealWeeks), where they are written once, in order, into full pages.
//
// A key's fingerprint is SHA-256 of its v4 record key (source, 0x00, the
// key or its "sha256:" form when over 1000 bytes): the first 12 bits pick
// the slot, the next 64 bits are stored. A false "seen" (an article
// skipped as known) needs all 76 bits equal: with 10 million keys stored,
// about 10^-16 per lookup, 10^-9 over a year of 18 million new keys. The
// week is the one the key was first seen in (weeks since 1970-01-01
// UTC), so pruning drops whole sets, oldest first, and a set changes only
// during its own week (and once more when sealed).
const (
	seenWeek      = 7 * 24 * time.Hour
	seenSlotBits  = 12
	seenFPLen     = 8
	seenSetKeyLen = 4 + 2
)

// seenFP is a key's place in the seen sets: its slot and fingerprint.
type seenFP struct {
	slot uint16
	fp   [seenFPLen]byte
}

func fingerprint(storedKey []byte) seenFP {
	sum := sha256.Sum256(storedKey)
	var f seenFP
	f.slot = binary.BigEndian.Uint16(sum[:2]) >> (16 - seenSlotBits)
	copy(f.fp[:], sum[2:2+seenFPLen])
	return f
}

func seenFingerprint(source, key string) seenFP { return fingerprint(seenKey(source, key)) }

// weekOf is the seen generation of t; times before 1970 fall in week 0.
func weekOf(t time.Time) uint32 {
	if t.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint32(t.Unix() / int64(seenWeek/time.Second))
}

// weekStart is the first instant of week w.
func weekStart(w uint32) time.Time { return time.Unix(int64(w)*int64(seenWeek/time.Second), 0).UTC() }

func seenSetKey(week uint32, slot uint16) []byte {
	k := make([]byte, seenSetKeyLen)
	binary.BigEndian.PutUint32(k, week)
	binary.BigEndian.PutUint16(k[4:], slot)
	return k
}

// splitSeenSetKey reads the week and slot of a seen/ key.
func splitSeenSetKey(k []byte) (week uint32, slot uint16, err error) {
	if len(k) != seenSetKeyLen {
		return 0, 0, fmt.Errorf("%w: seen set key of %d bytes", ErrCorrupt, len(k))
	}
	return binary.BigEndian.Uint32(k), binary.BigEndian.Uint16(k[4:]), nil
}

// setHas reports whether the sorted set holds fp.
func setHas(set []byte, fp []byte) (bool, error) {
	if len(set)%seenFPLen != 0 {
		return false, fmt.Errorf("%w: seen set of %d bytes", ErrCorrupt, len(set))
	}
	lo, hi := 0, len(set)/seenFPLen
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(set[m*seenFPLen:(m+1)*seenFPLen], fp); {
		case c == 0:
			return true, nil
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false, nil
}

// isSeen looks f up in the current weeks (seen_week/) and in every
// sealed week (seen/).
func isSeen(tx *bbolt.Tx, f seenFP) (bool, error) {
	if ok, err := isSeenIn(tx.Bucket(bucketSeenWeek), f); ok || err != nil {
		return ok, err
	}
	return isSeenIn(tx.Bucket(bucketSeen), f)
}

// isSeenIn looks f up in every week's set of b, newest week first (a key
// listed again was most likely first seen lately). It costs a few cursor
// seeks per stored week: about 27 with 180 days of retention.
func isSeenIn(b *bbolt.Bucket, f seenFP) (bool, error) {
	c := b.Cursor()
	k, _ := c.Last()
	for k != nil {
		week, _, err := splitSeenSetKey(k)
		if err != nil {
			return false, err
		}
		want := seenSetKey(week, f.slot)
		if got, set := c.Seek(want); bytes.Equal(got, want) {
			if ok, err := setHas(set, f.fp[:]); ok || err != nil {
				return ok, err
			}
		}
		// The week's first key exists (we came from the week); the key
		// before it is the last of the previous stored week.
		c.Seek(seenSetKey(week, 0))
		k, _ = c.Prev()
	}
	return false, nil
}

// storedWeeks lists the weeks b holds sets of, newest first.
func storedWeeks(b *bbolt.Bucket) ([]uint32, error) {
	var weeks []uint32
	c := b.Cursor()
	k, _ := c.Last()
	for k != nil {
		week, _, err := splitSeenSetKey(k)
		if err != nil {
			return nil, err
		}
		weeks = append(weeks, week)
		c.Seek(seenSetKey(week, 0))
		k, _ = c.Prev()
	}
	return weeks, nil
}

// isSeenInWeeks is isSeenIn over the weeks storedWeeks listed: one Get
// per week instead of three cursor moves.
func isSeenInWeeks(b *bbolt.Bucket, weeks []uint32, f seenFP) (bool, error) {
	for _, week := range weeks {
		if set := b.Get(seenSetKey(week, f.slot)); set != nil {
			if ok, err := setHas(set, f.fp[:]); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// markSeen adds the keys of articles not seen yet to the sets of now's
// week in seen_week/, writing each touched set once, after sealing the
// weeks before now's.
func markSeen(tx *bbolt.Tx, source string, articles []news.Article, now time.Time) error {
	week := weekOf(now)
	if err := sealWeeks(tx, week); err != nil {
		return err
	}
	adds := map[uint16][][seenFPLen]byte{}
	for _, a := range articles {
		for _, key := range a.Keys {
			if key == "" {
				continue
			}
			f := seenFingerprint(source, key)
			if slices.Contains(adds[f.slot], f.fp) {
				continue
			}
			seen, err := isSeen(tx, f)
			if err != nil {
				return fmt.Errorf("look up %q: %w", key, err)
			}
			if !seen { // else keep the first-seen week
				adds[f.slot] = append(adds[f.slot], f.fp)
			}
		}
	}
	return addToSets(tx.Bucket(bucketSeenWeek), week, adds)
}

// sealWeeks moves the sets of weeks before week from seen_week/ to seen/.
// The current week's sets are rewritten pass after pass, growing, which
// leaves their pages a third full; moved in key order to the end of
// seen/ (where later weeks never go), they are written once more into
// full pages and never touched again until pruned. It runs in the first
// Record of a week: one transaction of ~3 MB at 20,000 articles a day.
func sealWeeks(tx *bbolt.Tx, week uint32) error {
	cur, sealed := tx.Bucket(bucketSeenWeek), tx.Bucket(bucketSeen)
	limit := seenSetKey(week, 0)
	type set struct{ k, v []byte }
	var move, keep []set
	c := cur.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if _, _, err := splitSeenSetKey(k); err != nil {
			return err
		}
		if len(v)%seenFPLen != 0 {
			return fmt.Errorf("%w: seen set of %d bytes", ErrCorrupt, len(v))
		}
		if bytes.Compare(k, limit) >= 0 {
			keep = append(keep, set{bytes.Clone(k), bytes.Clone(v)})
			continue
		}
		move = append(move, set{bytes.Clone(k), bytes.Clone(v)})
	}
	if len(move) == 0 {
		return nil
	}
	sealed.FillPercent = 1
	for _, m := range move {
		if sealed.Get(m.k) == nil {
			if err := sealed.Put(m.k, m.v); err != nil {
				return fmt.Errorf("seal seen set: %w", err)
			}
			continue
		}
		// The week is in seen/ already (migrated mid-week): merge.
		w, slot, _ := splitSeenSetKey(m.k)
		adds := map[uint16][][seenFPLen]byte{}
		for i := 0; i < len(m.v); i += seenFPLen {
			adds[slot] = append(adds[slot], [seenFPLen]byte(m.v[i:i+seenFPLen]))
		}
		if err := addToSets(sealed, w, adds); err != nil {
			return err
		}
	}
	// Recreate seen_week/ rather than delete its keys one by one: a bbolt
	// cursor walking back over leaves emptied earlier in the same
	// transaction (isSeen does, right after) can loop forever (bbolt
	// v1.5.0). What belongs to the current week or later is put back.
	if err := tx.DeleteBucket(bucketSeenWeek); err != nil {
		return fmt.Errorf("seal seen sets: %w", err)
	}
	cur, err := tx.CreateBucket(bucketSeenWeek)
	if err != nil {
		return fmt.Errorf("seal seen sets: %w", err)
	}
	for _, k := range keep {
		if err := cur.Put(k.k, k.v); err != nil {
			return fmt.Errorf("seal seen sets: %w", err)
		}
	}
	return nil
}

// addToSets merges fingerprints into the sets of week in b, in slot
// order.
func addToSets(b *bbolt.Bucket, week uint32, adds map[uint16][][seenFPLen]byte) error {
	for _, slot := range slices.Sorted(maps.Keys(adds)) {
		k := seenSetKey(week, slot)
		old := b.Get(k)
		if len(old)%seenFPLen != 0 {
			return fmt.Errorf("%w: seen set of %d bytes", ErrCorrupt, len(old))
		}
		fps := adds[slot]
		merged := make([][seenFPLen]byte, 0, len(old)/seenFPLen+len(fps))
		for i := 0; i < len(old); i += seenFPLen {
			merged = append(merged, [seenFPLen]byte(old[i:i+seenFPLen]))
		}
		merged = append(merged, fps...)
		slices.SortFunc(merged, func(a, b [seenFPLen]byte) int { return bytes.Compare(a[:], b[:]) })
		merged = slices.Compact(merged)
		v := make([]byte, 0, len(merged)*seenFPLen)
		for _, fp := range merged {
			v = append(v, fp[:]...)
		}
		if err := b.Put(k, v); err != nil {
			return fmt.Errorf("store seen set: %w", err)
		}
	}
	return nil
}

// seenWeekOf returns the week key is filed under; ok is false if it is not
// seen. For tests.
func seenWeekOf(tx *bbolt.Tx, source, key string) (week uint32, ok bool, err error) {
	f := seenFingerprint(source, key)
	for _, name := range [][]byte{bucketSeenWeek, bucketSeen} {
		c := tx.Bucket(name).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			w, slot, err := splitSeenSetKey(k)
			if err != nil {
				return 0, false, err
			}
			if slot != f.slot {
				continue
			}
			if has, err := setHas(v, f.fp[:]); has || err != nil {
				return w, has, err
			}
		}
	}
	return 0, false, nil
}

// migrateSeenV5 rewrites the v4 seen/ bucket (one JSON first-seen time per
// "<source> 0x00 <key>") as weekly fingerprint sets, in the transaction
// of the migration. All of it is held in memory meanwhile: about 20 bytes
// per key.
func migrateSeenV5(tx *bbolt.Tx) error {
	old := tx.Bucket(bucketSeen)
	if old == nil {
		return nil
	}
	sets := map[uint32]map[uint16][][seenFPLen]byte{}
	err := old.ForEach(func(k, v []byte) error {
		var first time.Time
		if err := decode(v, &first); err != nil {
			return fmt.Errorf("seen key %q: %w", k, err)
		}
		week := weekOf(first)
		f := fingerprint(k)
		if sets[week] == nil {
			sets[week] = map[uint16][][seenFPLen]byte{}
		}
		sets[week][f.slot] = append(sets[week][f.slot], f.fp)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the v4 seen keys: %w", err)
	}
	if err := tx.DeleteBucket(bucketSeen); err != nil {
		return fmt.Errorf("drop the v4 seen keys: %w", err)
	}
	b, err := tx.CreateBucket(bucketSeen)
	if err != nil {
		return fmt.Errorf("create the v5 seen sets: %w", err)
	}
	b.FillPercent = 1 // written in key order, never rewritten
	for _, week := range slices.Sorted(maps.Keys(sets)) {
		if err := addToSets(b, week, sets[week]); err != nil {
			return err
		}
	}
	return nil
}
