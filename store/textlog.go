package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The article texts kept for replay live outside the bbolt file, in a
// directory next to it (the database path plus textDirSuffix) holding one
// append-only segment file per UTC day of the texts' found time:
//
//	<segmentMagic>
//	{ u32 BE length, u32 BE CRC-32C of the value, value } ...
//
// where each value is the DEFLATE-compressed JSON textRecord. Why not in
// bbolt: at 20,000 articles a day the 14-day default is ~650 MB of
// compressed text, three quarters of a bbolt file that never shrinks and
// is copied whole by every backup; here a day expires by unlinking one
// file and its space goes back to the system at once, and appends cost no
// copy-on-write pages in the database's commits.
//
// Consistency: Record appends a pass's texts before its write
// transaction, and that transaction indexes them in article_ids/ (week and
// ID hash → found time). A reader only yields a record whose index entry
// names its found time, so the texts of a pass whose transaction failed
// or never ran (a crash in between) stay invisible until their day is
// deleted, and the pass, recorded again on the next run, appends them
// anew. Segments are not synced per append (the database commit is, and
// a second fsync per pass would double the store's share of a pass): a
// process crash loses nothing, a power cut may lose the texts of the last
// seconds — never alerts, seen keys or the outbox — and a torn or
// garbled tail is cut off the next time the file is appended to.

const (
	// textDirSuffix names the text directory after the database file.
	textDirSuffix = ".texts"
	// segmentSuffix ends every segment file name; the stem is the day.
	segmentSuffix = ".seg"
	// segmentMagic starts every segment file, so a stray file in the
	// directory is never taken for (or repaired as) one.
	segmentMagic = "newshound texts v1\n"
	// segmentHeader is the length and checksum before each value.
	segmentHeader = 8
	// dirPerm and filePerm keep the texts private like the database.
	dirPerm = 0o700
)

// castagnoli is the CRC-32C table (hardware-accelerated on amd64/arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// textLog is the directory of segment files. Appends and deletions take
// mu; readers open files on their own and read up to the size they saw,
// so they never wait for a writer.
type textLog struct {
	dir string

	mu      sync.Mutex
	writers map[string]*segmentWriter // by file name; at most a couple
}

// segmentWriter is a segment open for appending; size is the end of its
// last complete record, where a failed write is cut back to.
type segmentWriter struct {
	f    *os.File
	size int64
}

func newTextLog(dbPath string) *textLog {
	return &textLog{dir: dbPath + textDirSuffix, writers: map[string]*segmentWriter{}}
}

// segmentName is the file name of the segment holding texts found on
// the UTC day of t.
func segmentName(t time.Time) string {
	return t.UTC().Format(time.DateOnly) + segmentSuffix
}

// segmentDay parses a segment file name; ok is false for any other file.
func segmentDay(name string) (day time.Time, ok bool) {
	stem, found := strings.CutSuffix(name, segmentSuffix)
	if !found {
		return time.Time{}, false
	}
	day, err := time.Parse(time.DateOnly, stem)
	return day, err == nil
}

// append writes texts to the segments of their found days. On an error
// the segment being written is cut back to its last complete record.
func (l *textLog) append(texts []pendingText) error {
	if len(texts) == 0 {
		return nil
	}
	// One run per day, each opened once (a pass rarely spans midnight).
	texts = slices.Clone(texts)
	slices.SortStableFunc(texts, func(a, b pendingText) int { return strings.Compare(segmentName(a.at), segmentName(b.at)) })
	l.mu.Lock()
	defer l.mu.Unlock()
	var buf []byte
	for i := 0; i < len(texts); {
		name := segmentName(texts[i].at)
		buf = buf[:0]
		j := i
		for ; j < len(texts) && segmentName(texts[j].at) == name; j++ {
			if len(texts[j].value) > 0 { // an empty one would end the segment
				buf = appendRecord(buf, texts[j].value)
			}
		}
		if err := l.write(name, buf); err != nil {
			return fmt.Errorf("append article texts to %s: %w", filepath.Join(l.dir, name), err)
		}
		i = j
	}
	return nil
}

// appendRecord frames one value.
func appendRecord(buf, value []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(value)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(value, castagnoli))
	return append(buf, value...)
}

// write appends framed records to the named segment; l.mu is held.
func (l *textLog) write(name string, records []byte) error {
	w, err := l.writer(name)
	if err != nil {
		return err
	}
	// Positional writes: after a failed write is cut off, the next one
	// starts right at the last good record, never after a hole.
	if _, err := w.f.WriteAt(records, w.size); err != nil {
		// Cut the partial write off so the next append starts on a record
		// boundary; if even that fails, reopen (and repair) next time.
		if terr := w.f.Truncate(w.size); terr != nil {
			l.closeWriter(name)
		}
		return err
	}
	w.size += int64(len(records))
	return nil
}

// writer returns the open segment, opening (creating or repairing) it
// on first use; l.mu is held.
func (l *textLog) writer(name string) (*segmentWriter, error) {
	if w, ok := l.writers[name]; ok {
		return w, nil
	}
	if err := os.MkdirAll(l.dir, dirPerm); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(l.dir, name), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, err
	}
	size, err := repairSegment(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	// Texts arrive for today; a day that is over is closed (synced) so
	// the map never grows past today and a late straggler.
	for other := range l.writers {
		if other < name {
			l.closeWriter(other)
		}
	}
	w := &segmentWriter{f: f, size: size}
	l.writers[name] = w
	return w, nil
}

// closeWriter syncs and closes an open segment; l.mu is held. Errors are
// dropped: the records are written (the sync only guards a power cut),
// and a damaged tail is repaired on the next open.
func (l *textLog) closeWriter(name string) {
	if w, ok := l.writers[name]; ok {
		_ = w.f.Sync()
		_ = w.f.Close()
		delete(l.writers, name)
	}
}

// close syncs and closes every open segment, and syncs the directory so
// that segments created meanwhile are durable too (Store.Close, and the
// v6 migration before the commit that drops the moved texts).
func (l *textLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for name, w := range l.writers {
		if err := w.f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync %s: %w", name, err))
		}
		if err := w.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", name, err))
		}
		delete(l.writers, name)
	}
	if _, err := os.Stat(l.dir); err == nil {
		errs = append(errs, SyncDir(l.dir))
	}
	return errors.Join(errs...)
}

// repairSegment checks a segment opened for writing and returns where the
// next record goes: a new or empty file gets the magic; a file that ends
// in a torn or garbled record (a crash or power cut mid-append) is cut
// back to its last good record. A file that does not start with the
// magic is refused, never rewritten.
func repairSegment(f *os.File) (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if info.Size() < int64(len(segmentMagic)) {
		head := make([]byte, info.Size())
		if _, err := io.ReadFull(f, head); err != nil {
			return 0, err
		}
		if !strings.HasPrefix(segmentMagic, string(head)) && !allZero(head) {
			return 0, fmt.Errorf("%s is not a newshound text segment", f.Name())
		}
		// Created but its magic never (fully) reached the disk.
		if err := f.Truncate(0); err != nil {
			return 0, err
		}
		if _, err := f.WriteAt([]byte(segmentMagic), 0); err != nil {
			return 0, err
		}
		return int64(len(segmentMagic)), nil
	}
	r := newSegmentReader(f, info.Size())
	if err := r.start(); err != nil {
		return 0, err
	}
	for {
		if _, err := r.next(); err != nil {
			break // io.EOF or the first bad record: cut there
		}
	}
	if r.offset < info.Size() {
		if err := f.Truncate(r.offset); err != nil {
			return 0, err
		}
	}
	return r.offset, nil
}

func allZero(b []byte) bool { return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 }) }

// errBadRecord ends a segment at a torn, garbled or oversized record.
var errBadRecord = errors.New("bad record")

// segmentReader reads the records of one segment up to a fixed size (the
// size when it was opened, so a concurrent append is never half read).
type segmentReader struct {
	r      *bufio.Reader
	name   string
	limit  int64
	offset int64 // end of the last good record
	header [segmentHeader]byte
}

func newSegmentReader(f *os.File, size int64) *segmentReader {
	return &segmentReader{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10), name: f.Name(), limit: size}
}

// start checks the magic.
func (r *segmentReader) start() error {
	head := make([]byte, len(segmentMagic))
	if _, err := io.ReadFull(r.r, head); err != nil || string(head) != segmentMagic {
		return fmt.Errorf("%s is not a newshound text segment", r.name)
	}
	r.offset = int64(len(segmentMagic))
	return nil
}

// next returns the next record's value (valid until the next call), io.EOF
// at a clean end, and errBadRecord at a torn or damaged one; after
// errBadRecord, offset is where the good records end.
func (r *segmentReader) next() ([]byte, error) {
	if r.offset == r.limit {
		return nil, io.EOF
	}
	if _, err := io.ReadFull(r.r, r.header[:]); err != nil {
		return nil, errBadRecord
	}
	n := int64(binary.BigEndian.Uint32(r.header[:4]))
	// No value is empty (even an empty DEFLATE stream has bytes), and an
	// empty one's CRC-32C is 0: zeros left by a power cut would pass.
	if n == 0 || n > maxTextRecord || r.offset+segmentHeader+n > r.limit {
		return nil, errBadRecord
	}
	value := make([]byte, n)
	if _, err := io.ReadFull(r.r, value); err != nil {
		return nil, errBadRecord
	}
	if crc32.Checksum(value, castagnoli) != binary.BigEndian.Uint32(r.header[4:]) {
		return nil, errBadRecord
	}
	r.offset += segmentHeader + n
	return value, nil
}

// segment is one segment file and its day.
type segment struct {
	name string
	day  time.Time
}

// segments lists the segment files, oldest day first; a missing
// directory (no text stored yet) is no segments.
func (l *textLog) segments() ([]segment, error) {
	entries, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []segment
	for _, e := range entries {
		if day, ok := segmentDay(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, segment{name: e.Name(), day: day})
		}
	}
	// ReadDir sorts by name, and the names sort by day.
	return out, nil
}

// eachRecord calls fn with every good record of the segments whose day
// ends after since, oldest day first, in the order they were appended.
// A damaged record ends its segment (the rest of that file is skipped,
// as the next append would cut it off); fn's error stops the walk and is
// returned as is.
func (l *textLog) eachRecord(since time.Time, fn func(value []byte) error) error {
	segs, err := l.segments()
	if err != nil {
		return err
	}
	for _, seg := range segs {
		if !seg.day.Add(24 * time.Hour).After(since) {
			continue
		}
		if err := l.eachInSegment(seg.name, fn); err != nil {
			return err
		}
	}
	return nil
}

func (l *textLog) eachInSegment(name string, fn func(value []byte) error) error {
	f, err := os.Open(filepath.Join(l.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // pruned meanwhile
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() < int64(len(segmentMagic)) {
		return nil // just created
	}
	r := newSegmentReader(f, info.Size())
	if err := r.start(); err != nil {
		return err
	}
	for {
		value, err := r.next()
		if err != nil {
			return nil // io.EOF, or damage: the good records are read
		}
		if err := fn(value); err != nil {
			return err
		}
	}
}

// prune deletes the segments of the days that ended at or before before
// and returns how many records they held.
func (l *textLog) prune(before time.Time) (int, error) {
	segs, err := l.segments()
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	total, removed := 0, false
	for _, seg := range segs {
		if seg.day.Add(24 * time.Hour).After(before) {
			break
		}
		l.closeWriter(seg.name)
		n, err := l.count(seg.name)
		if err != nil {
			return total, err
		}
		if err := os.Remove(filepath.Join(l.dir, seg.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return total, err
		}
		total += n
		removed = true
	}
	if removed {
		if err := SyncDir(l.dir); err != nil {
			return total, err
		}
	}
	return total, nil
}

// count returns how many good records a segment holds.
func (l *textLog) count(name string) (int, error) {
	n := 0
	err := l.eachInSegment(name, func([]byte) error { n++; return nil })
	return n, err
}

// size is the total size of the segment files in bytes.
func (l *textLog) size() (int64, error) {
	segs, err := l.segments()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, seg := range segs {
		info, err := os.Stat(filepath.Join(l.dir, seg.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		total += info.Size()
	}
	return total, nil
}

// reset removes every segment: the v6 migration starts from an empty
// directory, since a v5 file never wrote one and anything there is left
// over from a migration whose commit failed.
func (l *textLog) reset() error {
	l.mu.Lock()
	for name := range l.writers {
		l.closeWriter(name)
	}
	l.mu.Unlock()
	segs, err := l.segments()
	if err != nil {
		return err
	}
	for _, seg := range segs {
		if err := os.Remove(filepath.Join(l.dir, seg.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
