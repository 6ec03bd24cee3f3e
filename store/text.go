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
	key, found []byte // textKey of the ID; articles/ key (found time, then key)
	week       uint32 // of the found time
	value      []byte
}

// textKey is the texts/ key of an article ID; IDs too long for a bbolt
// key are stored under their hash (the record keeps the full ID).
func textKey(id string) []byte {
	if len(id) > maxSeenKey {
		sum := sha256.Sum256([]byte(id))
		return []byte("sha256:" + hex.EncodeToString(sum[:]))
	}
	return []byte(id)
}

// foundKey orders articles/ (and the alert indexes): u64 BE unix nanos
// of Found, then the text key (the due index's encoding).
func foundKey(found time.Time, key []byte) []byte { return dueKey(found, string(key)) }

// articleIDKey is the article_ids/ key of a text found at found: the
// week of found (u32 BE, weeks since 1970 as in seen/), then 8 bytes of
// the SHA-256 of the text key. The week makes the index prunable by
// whole ranges from the front, like articles/, instead of by random
// deletes. An entry is only a hint: putTexts checks that the articles/
// key it points at exists, so an entry left after its text was pruned,
// or two IDs sharing the 8 bytes (about one chance in ten million a year
// at 20,000 articles a day), cost at most one replay text, nothing else.
func articleIDKey(week uint32, key []byte) []byte {
	sum := sha256.Sum256(key)
	k := make([]byte, 4, 4+8)
	binary.BigEndian.PutUint32(k, week)
	return append(k, sum[:8]...)
}

// textStored reports whether the article with text key key is in
// articles/: it looks the ID up in each week of article_ids/, newest
// first (text retention / 7 + 2 weeks at most), and checks the text.
func textStored(arts, ids *bbolt.Bucket, key []byte) bool {
	c := ids.Cursor()
	k, _ := c.Last()
	for len(k) >= 4 {
		week := binary.BigEndian.Uint32(k)
		if at := ids.Get(articleIDKey(week, key)); len(at) == 8 && arts.Get(append(bytes.Clone(at), key...)) != nil {
			return true
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
		key := textKey(a.ID)
		out = append(out, pendingText{key: key, found: foundKey(found, key), week: weekOf(found), value: bytes.Clone(buf.Bytes())})
	}
	return out, nil
}

// putTexts stores texts not stored yet: the first record of an article
// wins, so its Found stays the time it was first crawled.
func putTexts(tx *bbolt.Tx, texts []pendingText) error {
	arts, ids := tx.Bucket(bucketArticles), tx.Bucket(bucketArticleIDs)
	arts.FillPercent = appendFill
	for _, t := range texts {
		if textStored(arts, ids, t.key) {
			continue
		}
		if err := arts.Put(t.found, t.value); err != nil {
			return fmt.Errorf("store article text: %w", err)
		}
		if err := ids.Put(articleIDKey(t.week, t.key), t.found[:8]); err != nil {
			return fmt.Errorf("index article text: %w", err)
		}
	}
	return nil
}

// decodeText inflates and decodes a stored text; it copies, so the
// article outlives the transaction.
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

// articlesPerRead is how many texts Articles decodes per read transaction:
// the callback runs between transactions, so a slow caller never holds a
// read transaction open (a long one blocks bbolt from growing the file).
const articlesPerRead = 64

// Articles calls fn for every stored article text found at or after since,
// oldest first, until fn returns an error, which Articles returns as is.
// fn runs outside any transaction and may use the Store.
func (s *Store) Articles(since time.Time, fn func(news.Article) error) error {
	from := foundKey(since, nil)
	for {
		batch, next, err := s.readTexts(from)
		if err != nil {
			return fmt.Errorf("read stored articles: %w", err)
		}
		for _, a := range batch {
			if err := fn(a); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// readTexts decodes up to articlesPerRead texts from the index key from
// on, and returns the key to continue from (nil at the end).
func (s *Store) readTexts(from []byte) (out []news.Article, next []byte, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketArticles).Cursor()
		for k, v := c.Seek(from); k != nil; k, v = c.Next() {
			if len(out) == articlesPerRead {
				next = bytes.Clone(k)
				return nil
			}
			if len(k) <= 8 {
				return fmt.Errorf("%w: articles key of %d bytes", ErrCorrupt, len(k))
			}
			a, err := decodeText(v)
			if err != nil {
				return fmt.Errorf("text %q: %w", k[8:], err)
			}
			out = append(out, a)
		}
		return nil
	})
	return out, next, err
}

// PruneTexts deletes the texts of articles found before before, in write
// transactions of at most batch texts (batch <= 0: DefaultPruneBatch), so
// a large backlog never holds the writer for long, and then the weeks of
// article_ids/ that ended before before. It returns how many texts it
// deleted, also when a later transaction fails.
func (s *Store) PruneTexts(before time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	limit := foundKey(before, nil)
	total := 0
	for {
		n := 0
		err := s.update(func(tx *bbolt.Tx) error {
			var err error
			n, err = pruneBatch(tx, limit, batch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune article texts: %w", err)
		}
		total += n
		if n < batch {
			break
		}
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

// pruneBatch deletes up to batch texts found before limit, oldest first.
func pruneBatch(tx *bbolt.Tx, limit []byte, batch int) (int, error) {
	b := tx.Bucket(bucketArticles)
	c := b.Cursor()
	k, _ := c.First()
	if k != nil && len(k) <= 8 && bytes.Compare(k, limit) < 0 {
		return 0, fmt.Errorf("%w: articles key of %d bytes", ErrCorrupt, len(k))
	}
	return deleteBefore(b, limit, batch)
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
