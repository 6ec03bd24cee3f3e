package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// errStop ends a bbolt ForEach early; it never leaves the package.
var errStop = errors.New("stop iteration")

// The on-disk records. They are separate from the exported types so that
// renaming a Go field never silently changes (or breaks reading) the file;
// testdata/*.golden.json pins their encoding.

type alertRecord struct {
	ID        string       `json:"id"`
	Watch     string       `json:"watch"`
	Source    string       `json:"source"`
	URL       string       `json:"url"`
	Title     string       `json:"title"`
	Published time.Time    `json:"published"`
	Found     time.Time    `json:"found"`
	Matches   []news.Match `json:"matches"`
	// Fired and Highlights arrived with schema v2; records written before
	// lack them and read back with both empty.
	Fired   string `json:"fired,omitempty"`
	Snippet string `json:"snippet"`
	// Highlights are [start, end) byte pairs into Snippet: compact, and
	// independent of the Go field names of news.Span.
	Highlights [][2]int `json:"highlights,omitempty"`
}

func toAlertRecord(a news.Alert) alertRecord {
	r := alertRecord{
		ID: a.ID, Watch: a.Watch, Source: a.Source, URL: a.URL, Title: a.Title,
		Published: utc(a.Published), Found: utc(a.Found), Matches: a.Matches,
		Fired: a.Fired, Snippet: a.Snippet,
	}
	for _, h := range a.Highlights {
		r.Highlights = append(r.Highlights, [2]int{h.Start, h.End})
	}
	return r
}

func (r alertRecord) alert() news.Alert {
	a := news.Alert{
		ID: r.ID, Watch: r.Watch, Source: r.Source, URL: r.URL, Title: r.Title,
		Published: r.Published, Found: r.Found, Matches: r.Matches,
		Fired: r.Fired, Snippet: r.Snippet,
	}
	for _, h := range r.Highlights {
		a.Highlights = append(a.Highlights, news.Span{Start: h[0], End: h[1]})
	}
	return a
}

// entryRecord is an outbox entry; the alert is stored once, in alerts/.
type entryRecord struct {
	AlertID     string    `json:"alert_id"`
	Notifier    string    `json:"notifier"`
	Attempts    int       `json:"attempts"`
	Created     time.Time `json:"created"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	// Digest and FirstDue arrived with schema v4; entries written before
	// read back as immediate entries with FirstDue zero (the dispatcher
	// then counts the queue age from Created).
	Digest   bool      `json:"digest,omitempty"`
	FirstDue time.Time `json:"first_due,omitzero"`
}

// disabledRecord is a notifier switched off because its channel is gone
// (schema v4).
type disabledRecord struct {
	Reason      string    `json:"reason"`
	Fingerprint string    `json:"fingerprint"`
	At          time.Time `json:"at"`
	Announced   bool      `json:"announced,omitempty"`
}

// deadRecord is a dead letter. It carries its alert so that it stays
// readable even if old alerts are pruned one day.
type deadRecord struct {
	entryRecord
	DeadAt time.Time   `json:"dead_at"`
	Alert  alertRecord `json:"alert"`
}

type sourceRecord struct {
	LastRun             time.Time `json:"last_run"`
	LastSuccess         time.Time `json:"last_success"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastError           string    `json:"last_error,omitempty"`
	Items               int       `json:"items"`
}

// utc drops the location and monotonic reading so that stored times
// compare and print the same after a round trip.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

// decode unmarshals a value read inside a transaction; JSON decoding copies,
// so the result outlives the transaction.
func decode(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: decode %T: %w", ErrCorrupt, v, err)
	}
	return nil
}

// maxSeenKey bounds the stored length of a seen key; bbolt keys are capped
// at 32 KiB and long keys waste pages.
const maxSeenKey = 1000

func seenKey(source, key string) []byte {
	if len(key) > maxSeenKey {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	b := make([]byte, 0, len(source)+1+len(key))
	b = append(b, source...)
	b = append(b, 0)
	return append(b, key...)
}

func entryID(alertID, notifier string) string { return outbox.EntryID(alertID, notifier) }

// dueKey orders the due index by next attempt, then entry id. Times
// before 1970 sort first; times past 2262 sort last.
func dueKey(next time.Time, id string) []byte {
	var n uint64
	switch {
	case next.Before(time.Unix(0, 0)):
		n = 0
	case next.After(time.Unix(0, math.MaxInt64)):
		n = math.MaxInt64
	default:
		n = uint64(next.UnixNano())
	}
	b := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(b, n)
	return append(b, id...)
}

// dueIndexKey is a key of the v4 due index: the notifier's name, 0x00,
// then dueKey. Notifier names never contain 0x00 (config allows
// [A-Za-z0-9._-]; the store refuses 0x00), so each notifier owns the
// contiguous range that starts with duePrefix(notifier), ordered by next
// attempt.
func dueIndexKey(notifier string, next time.Time, id string) []byte {
	b := make([]byte, 0, len(notifier)+1+8+len(id))
	b = append(b, notifier...)
	b = append(b, 0)
	return append(b, dueKey(next, id)...)
}

// duePrefix is the start of notifier's range in the due index.
func duePrefix(notifier string) []byte { return append([]byte(notifier), 0) }

// splitDueIndexKey splits a due index key into the notifier's name and the
// dueKey after it.
func splitDueIndexKey(k []byte) (notifier string, rest []byte, err error) {
	i := bytes.IndexByte(k, 0)
	if i <= 0 || len(k)-i-1 <= 8 {
		return "", nil, fmt.Errorf("%w: malformed due index key %q", ErrCorrupt, k)
	}
	return string(k[:i]), k[i+1:], nil
}

// dueTime reads the time back from a due key.
func dueTime(k []byte) (time.Time, error) {
	if len(k) < 8 {
		return time.Time{}, fmt.Errorf("%w: due index key of %d bytes", ErrCorrupt, len(k))
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), nil
}
