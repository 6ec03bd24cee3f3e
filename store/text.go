package store

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// textRecord is an article's extracted text as kept for replay; on disk it
// is this JSON, compressed with DEFLATE (RFC 1951).
type textRecord struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Source    string    `json:"source"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Published time.Time `json:"published"`
	Found     time.Time `json:"found"`
}

// maxTextRecord bounds what one stored text may inflate to. The crawler
// caps pages at a few MiB, so anything larger is damage, and the cap keeps
// a damaged value from exhausting memory.
const maxTextRecord = 64 << 20

// DefaultPruneBatch is the batch size PruneTexts uses for batch <= 0.
const DefaultPruneBatch = 500

// pendingText is a text compressed before the write transaction, so the
// writer lock is not held while DEFLATE runs.
type pendingText struct {
	key   []byte    // textKey of the ID
	at    time.Time // found time (UTC): picks the segment and the index value
	value []byte    // DEFLATE-compressed JSON textRecord
}

// textKey is the key of an article ID in article_ids/ (hashed there) and
// in readers' bookkeeping; IDs too long for a bbolt key are replaced by
// their hash (the record keeps the full ID).
func textKey(id string) []byte {
	if len(id) > maxSeenKey {
		sum := sha256.Sum256([]byte(id))
		return []byte("sha256:" + hex.EncodeToString(sum[:]))
	}
	return []byte(id)
}

// articleIDKey is the article_ids/ key of a text found at found: the
// week of found (u32 BE, weeks since 1970 as in seen/), then 8 bytes of
// the SHA-256 of the text key. The week makes the index prunable by
// whole ranges from the front instead of by random deletes. The value is
// the found time (u64 BE unix nanos): the text in the segments is
// visible only with that exact found time (see textlog.go). Two IDs
// sharing the 8 bytes (about one chance in ten million a year at 20,000
// articles a day) cost at most one replay text, nothing else.
func articleIDKey(week uint32, key []byte) []byte {
	sum := sha256.Sum256(key)
	k := make([]byte, 4, 4+8)
	binary.BigEndian.PutUint32(k, week)
	return append(k, sum[:8]...)
}

// nanosKey is the article_ids/ value of a found time (clamped like the
// due index's keys, which v5 stored here).
func nanosKey(t time.Time) []byte { return dueKey(t, "")[:8] }

// keyTextsBefore (in meta/) is the start of the oldest UTC day whose
// texts may still be kept: PruneTexts deleted every segment before it.
var keyTextsBefore = []byte("texts_before")

// textHorizon reads keyTextsBefore; zero when nothing was pruned yet.
func textHorizon(tx *bbolt.Tx) time.Time {
	v := tx.Bucket(bucketMeta).Get(keyTextsBefore)
	if len(v) != 8 {
		return time.Time{}
	}
	at, _ := dueTime(v)
	return at
}

// textStored reports whether the text key has a text: an article_ids/
// entry (looked up in each week, newest first: text retention / 7 + 2
// weeks at most) found at or after horizon — an older entry outlives its
// deleted segment only because the index goes by whole weeks.
func textStored(ids *bbolt.Bucket, key []byte, horizon time.Time) bool {
	c := ids.Cursor()
	k, _ := c.Last()
	for len(k) >= 4 {
		week := binary.BigEndian.Uint32(k)
		if v := ids.Get(articleIDKey(week, key)); v != nil {
			if found, err := dueTime(v); err != nil || !found.Before(horizon) {
				return true
			}
			return false // the newest entry's text is gone
		}
		c.Seek(articleIDKey(week, nil)[:4])
		k, _ = c.Prev()
	}
	return false
}

// encodeTexts compresses the text of every article that has an ID. An
// article without a Source is filed under the pass's source, one without
// a Found time at now.
func encodeTexts(source string, articles []news.Article, now time.Time) ([]pendingText, error) {
	if len(articles) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("compress article text: %w", err)
	}
	out := make([]pendingText, 0, len(articles))
	for _, a := range articles {
		if a.ID == "" {
			continue // nothing to file it under; the crawler always sets one
		}
		found := utc(a.Found)
		if found.IsZero() {
			found = now
		}
		if a.Source == "" {
			a.Source = source
		}
		raw, err := encode(textRecord{
			ID: a.ID, URL: a.URL, Source: a.Source, Title: a.Title, Text: a.Text,
			Published: utc(a.Published), Found: found,
		})
		if err != nil {
			return nil, err
		}
		buf.Reset()
		zw.Reset(&buf)
		if _, err := zw.Write(raw); err != nil {
			return nil, fmt.Errorf("compress text of %s: %w", a.ID, err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compress text of %s: %w", a.ID, err)
		}
		out = append(out, pendingText{key: textKey(a.ID), at: found, value: bytes.Clone(buf.Bytes())})
	}
	return out, nil
}

// newTexts drops the texts already stored and the repeats of an ID within
// the pass: the first record of an article wins, so its Found stays the
// time it was first crawled. It reads outside the write transaction;
// indexTexts checks again inside it.
func (s *Store) newTexts(texts []pendingText) ([]pendingText, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	out := make([]pendingText, 0, len(texts))
	err := s.view(func(tx *bbolt.Tx) error {
		ids, horizon := tx.Bucket(bucketArticleIDs), textHorizon(tx)
		inPass := make(map[string]bool, len(texts))
		for _, t := range texts {
			if inPass[string(t.key)] || textStored(ids, t.key, horizon) {
				continue
			}
			inPass[string(t.key)] = true
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// indexTexts makes appended texts visible: one article_ids/ entry each,
// unless a pass that committed meanwhile stored the same ID first (its
// record then stays the visible one, and this one is never read).
func indexTexts(tx *bbolt.Tx, texts []pendingText) error {
	ids, horizon := tx.Bucket(bucketArticleIDs), textHorizon(tx)
	for _, t := range texts {
		if textStored(ids, t.key, horizon) {
			continue
		}
		if err := ids.Put(articleIDKey(weekOf(t.at), t.key), nanosKey(t.at)); err != nil {
			return fmt.Errorf("index article text: %w", err)
		}
	}
	return nil
}

// decodeText inflates and decodes a stored text; it copies, so the
// article outlives the value's buffer.
func decodeText(raw []byte) (news.Article, error) {
	zr := flate.NewReader(bytes.NewReader(raw))
	defer zr.Close()
	plain, err := io.ReadAll(io.LimitReader(zr, maxTextRecord+1))
	if err != nil {
		return news.Article{}, fmt.Errorf("%w: inflate article text: %w", ErrCorrupt, err)
	}
	if len(plain) > maxTextRecord {
		return news.Article{}, fmt.Errorf("%w: article text inflates beyond %d bytes", ErrCorrupt, maxTextRecord)
	}
	var r textRecord
	if err := json.Unmarshal(plain, &r); err != nil {
		return news.Article{}, fmt.Errorf("%w: decode article text: %w", ErrCorrupt, err)
	}
	return news.Article{
		ID: r.ID, Keys: []string{r.ID}, URL: r.URL, Source: r.Source, Title: r.Title, Text: r.Text,
		Published: r.Published, Found: r.Found,
	}, nil
}

// articlesPerRead is how many texts Articles checks against the index per
// read transaction: the callback runs between transactions, so a slow
// caller never holds a read transaction open (a long one blocks bbolt
// from growing the file).
const articlesPerRead = 64

// Articles calls fn for every stored article text found at or after since,
// day by day from the oldest and within a day in the order they were
// stored, until fn returns an error, which Articles returns as is. fn runs
// outside any transaction and may use the Store. A record that cannot be
// decoded (damage the checksum missed) is an ErrCorrupt error.
func (s *Store) Articles(since time.Time, fn func(news.Article) error) error {
	var batch []news.Article
	// The IDs already passed to fn, of the day being read: a record and
	// its repeat (a pass written twice) share their found time, so their
	// day and segment, and the set never grows past one day.
	yielded, day := map[string]bool{}, time.Time{}
	flush := func() error {
		visible, err := s.visibleTexts(batch)
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("read stored articles: %w", err)
		}
		for _, a := range visible {
			if d := a.Found.UTC().Truncate(24 * time.Hour); !d.Equal(day) {
				yielded, day = map[string]bool{}, d
			}
			if yielded[a.ID] {
				continue // a record repeated by a pass written twice
			}
			yielded[a.ID] = true
			if err := fn(a); err != nil {
				return err
			}
		}
		return nil
	}
	err := s.texts.eachRecord(since, func(value []byte) error {
		a, err := decodeText(value)
		if err != nil {
			return fmt.Errorf("read stored articles: %w", err)
		}
		if a.Found.Before(since) {
			return nil
		}
		batch = append(batch, a)
		if len(batch) < articlesPerRead {
			return nil
		}
		return flush()
	})
	if err != nil {
		return err
	}
	return flush()
}

// visibleTexts keeps the articles whose article_ids/ entry names their
// found time: the others belong to a pass that never committed, or repeat
// an ID stored first by another record.
func (s *Store) visibleTexts(batch []news.Article) ([]news.Article, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	var out []news.Article
	err := s.view(func(tx *bbolt.Tx) error {
		ids := tx.Bucket(bucketArticleIDs)
		for _, a := range batch {
			at := nanosKey(a.Found)
			if v := ids.Get(articleIDKey(weekOf(a.Found), textKey(a.ID))); bytes.Equal(v, at) {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

// TextSize is the total size in bytes of the text segments kept for
// replay (they live next to the database file; see TextDir).
func (s *Store) TextSize() (int64, error) {
	n, err := s.texts.size()
	if err != nil {
		return 0, fmt.Errorf("size of article texts: %w", err)
	}
	return n, nil
}

// TextDir is the directory of the text segments: the database path
// followed by ".texts".
func (s *Store) TextDir() string { return s.texts.dir }

// PruneTexts deletes the texts of the days (UTC) that ended at or before
// before — a segment file at a time, so a text is kept between the
// retention and one day longer — and then, in write transactions of at
// most 2×batch keys (batch <= 0: DefaultPruneBatch), the weeks of
// article_ids/ that ended before before. It returns how many texts it
// deleted, also when a later step fails.
func (s *Store) PruneTexts(before time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	total, err := s.texts.prune(before)
	if err != nil {
		return total, fmt.Errorf("prune article texts: %w", err)
	}
	horizon := before.UTC().Truncate(24 * time.Hour)
	err = s.update(func(tx *bbolt.Tx) error {
		if textHorizon(tx).Before(horizon) {
			return tx.Bucket(bucketMeta).Put(keyTextsBefore, nanosKey(horizon))
		}
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("prune article texts: %w", err)
	}
	idLimit := articleIDKey(weekOf(before), nil)[:4]
	for {
		n := 0
		err := s.update(func(tx *bbolt.Tx) error {
			var err error
			n, err = deleteBefore(tx.Bucket(bucketArticleIDs), idLimit, 2*batch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune article text index: %w", err)
		}
		if n < 2*batch {
			return total, nil
		}
	}
}

// deleteBefore deletes up to n keys of b that sort before limit, from the
// first. Keys are collected first: deleting under a bbolt cursor can skip
// the following key.
func deleteBefore(b *bbolt.Bucket, limit []byte, n int) (int, error) {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < n && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// migrateTextsV5 moves the v4 texts (texts/ keyed by ID, indexed by
// texts_by_found/) into articles/ keyed by found time and article_ids/,
// and drops the v4 buckets. The values are copied as they are.
func migrateTextsV5(tx *bbolt.Tx) error {
	old, idx := tx.Bucket(bucketTexts), tx.Bucket(bucketTextsByFound)
	if old == nil || idx == nil {
		return nil // a v1 file: its texts buckets were just created empty
	}
	arts, ids := tx.Bucket(bucketArticles), tx.Bucket(bucketArticleIDs)
	arts.FillPercent = appendFill
	err := idx.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			return fmt.Errorf("%w: texts index key of %d bytes", ErrCorrupt, len(k))
		}
		v := old.Get(k[8:])
		if v == nil {
			return nil // an index key without its text: nothing to keep
		}
		if err := arts.Put(k, v); err != nil {
			return err
		}
		found, err := dueTime(k)
		if err != nil {
			return err
		}
		return ids.Put(articleIDKey(weekOf(found), k[8:]), k[:8])
	})
	if err != nil {
		return fmt.Errorf("move the article texts: %w", err)
	}
	for _, name := range [][]byte{bucketTexts, bucketTextsByFound} {
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateV6 moves the texts of articles/ into the text segments and drops
// the bucket; article_ids/ already holds the found time of each. The
// segments are synced before the transaction commits; if the commit never
// happens, the next Open starts the move again from an empty directory.
func migrateV6(tx *bbolt.Tx, texts *textLog) error {
	arts := tx.Bucket(bucketArticles)
	if arts == nil {
		return nil // not a newshound file: check reports the missing buckets
	}
	if err := texts.reset(); err != nil {
		return fmt.Errorf("clear the text directory: %w", err)
	}
	const batch = 512
	pending := make([]pendingText, 0, batch)
	err := arts.ForEach(func(k, v []byte) error {
		if len(k) <= 8 {
			return fmt.Errorf("%w: articles key of %d bytes", ErrCorrupt, len(k))
		}
		found, err := dueTime(k)
		if err != nil {
			return err
		}
		pending = append(pending, pendingText{key: bytes.Clone(k[8:]), at: found, value: bytes.Clone(v)})
		if len(pending) < batch {
			return nil
		}
		err = texts.append(pending)
		pending = pending[:0]
		return err
	})
	if err == nil {
		err = texts.append(pending)
	}
	if err == nil {
		err = texts.close()
	}
	if err != nil {
		return fmt.Errorf("move the article texts: %w", err)
	}
	if err := tx.DeleteBucket(bucketArticles); err != nil {
		return fmt.Errorf("drop bucket %s: %w", bucketArticles, err)
	}
	return nil
}
