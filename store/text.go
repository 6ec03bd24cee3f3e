package store

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
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
	key, found []byte // texts/ key; texts_by_found/ key
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

// foundKey orders texts_by_found/: u64 BE unix nanos of Found, then the
// texts/ key (the due index's encoding).
func foundKey(found time.Time, key []byte) []byte { return dueKey(found, string(key)) }

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
		out = append(out, pendingText{key: key, found: foundKey(found, key), value: bytes.Clone(buf.Bytes())})
	}
	return out, nil
}

// putTexts stores texts not stored yet: the first record of an article
// wins, so its Found stays the time it was first crawled.
func putTexts(tx *bbolt.Tx, texts []pendingText) error {
	b, idx := tx.Bucket(bucketTexts), tx.Bucket(bucketTextsByFound)
	for _, t := range texts {
		if b.Get(t.key) != nil {
			continue
		}
		if err := b.Put(t.key, t.value); err != nil {
			return fmt.Errorf("store article text: %w", err)
		}
		if err := idx.Put(t.found, []byte{}); err != nil {
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
		texts := tx.Bucket(bucketTexts)
		c := tx.Bucket(bucketTextsByFound).Cursor()
		for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
			if len(out) == articlesPerRead {
				next = bytes.Clone(k)
				return nil
			}
			if len(k) <= 8 {
				return fmt.Errorf("%w: texts index key of %d bytes", ErrCorrupt, len(k))
			}
			raw := texts.Get(k[8:])
			if raw == nil {
				return fmt.Errorf("%w: texts index points at missing text %q", ErrCorrupt, k[8:])
			}
			a, err := decodeText(raw)
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
// a large backlog never holds the writer for long. It returns how many it
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
			return total, nil
		}
	}
}

// pruneBatch deletes up to batch index entries sorting before limit, with
// their texts. Keys are collected first: deleting under a bbolt cursor
// can skip the following key.
func pruneBatch(tx *bbolt.Tx, limit []byte, batch int) (int, error) {
	idx, texts := tx.Bucket(bucketTextsByFound), tx.Bucket(bucketTexts)
	var keys [][]byte
	c := idx.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < batch && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if len(k) <= 8 {
			return 0, fmt.Errorf("%w: texts index key of %d bytes", ErrCorrupt, len(k))
		}
		if err := texts.Delete(k[8:]); err != nil {
			return 0, err
		}
		if err := idx.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
