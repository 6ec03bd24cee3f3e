package crashloop

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// sources are the names of the two configured sources (configTemplate).
var sources = []string{"wire", "front"}

// TextVerdict is what the replay texts check found in the store after the
// final run (see the package documentation, "Replay texts").
type TextVerdict struct {
	Expected   int // published articles the daemon marked seen: one text each
	Found      int // expected articles with a text
	Stored     int // texts Store.Articles yielded, every one counted
	Missing    []string
	Duplicated []string // IDs Articles yielded more than once
	Unknown    []string // IDs the site never published
	// Wrong lists texts that are not what the site served: a body
	// paragraph missing or out of order, a source that is not configured,
	// a zero found time, or (for an article that alerted) a source or
	// found time other than its alert's.
	Wrong []string
	// Unseen lists published articles a source had not marked seen after
	// the final run, although that run waited for a pass of each source
	// that found nothing new.
	Unseen []string

	Segments int // segment files in <data>.texts/
	Records  int // good records in them, the invisible ones included
	// TornTails counts segments ending in a record cut short (a kill
	// mid-append), which the next append to that segment cuts off.
	TornTails int
	// Damaged lists anything else wrong in a segment: a bad magic, a
	// complete record with a bad checksum or a zero length.
	Damaged []string
}

// Invisible is how many records the segments hold beyond the texts
// Articles yields: texts of passes killed between append and commit, and
// of passes that lost the race for an ID to a concurrent pass.
func (v TextVerdict) Invisible() int { return v.Records - v.Stored }

// problems lists every text rule the verdict breaks.
func (v TextVerdict) problems() []string {
	var out []string
	add := func(what string, list []string) {
		if len(list) == 0 {
			return
		}
		out = append(out, fmt.Sprintf("%d %s: %v", len(list), what, list[:min(len(list), 10)]))
	}
	add("seen articles without a replay text", v.Missing)
	add("article IDs with more than one replay text", v.Duplicated)
	add("replay texts of articles the site never published", v.Unknown)
	add("replay texts unlike what the site served", v.Wrong)
	add("published articles a source never marked seen", v.Unseen)
	add("damaged text segments", v.Damaged)
	return out
}

// publishedText is what the site served of one article, by the ID the
// daemon files it under.
type publishedText struct {
	ID     string // crawler.Canonicalize of the link: the pages carry no rel=canonical
	Title  string
	Paras  []string
	Alerts bool
}

// publishedTexts is the site's articles as the text check needs them.
func (l *loop) publishedTexts() ([]publishedText, error) {
	var out []publishedText
	for _, a := range l.site.published() {
		id, err := crawler.Canonicalize(l.site.url(a.path))
		if err != nil {
			return nil, err
		}
		out = append(out, publishedText{ID: id, Title: a.title, Paras: a.paras, Alerts: a.alerts})
	}
	return out, nil
}

// storedTexts is what the store holds about the texts after the final run.
type storedTexts struct {
	texts  []news.Article        // as Articles yielded them, in order
	seenBy map[string][]string   // article ID → the sources that marked it seen
	alerts map[string]news.Alert // article ID → its stored alert, for those that alerted
	dir    string                // the text segment directory
}

// readTexts opens the store, while no daemon runs, and reads every text
// Articles yields, which source marked each published article seen (the
// daemon looks articles up by their canonical link first), and the alert
// of each article that must alert.
func readTexts(path string, site []publishedText) (storedTexts, error) {
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return storedTexts{}, fmt.Errorf("open the store to check the texts: %w", err)
	}
	defer st.Close()
	out := storedTexts{seenBy: map[string][]string{}, alerts: map[string]news.Alert{}, dir: st.TextDir()}
	err = st.Articles(time.Time{}, func(a news.Article) error {
		out.texts = append(out.texts, a)
		return nil
	})
	if err != nil {
		return storedTexts{}, fmt.Errorf("read the stored texts: %w", err)
	}
	for _, p := range site {
		for _, src := range sources {
			seen, err := st.Seen(src, p.ID)
			if err != nil {
				return storedTexts{}, err
			}
			if seen {
				out.seenBy[p.ID] = append(out.seenBy[p.ID], src)
			}
		}
		if !p.Alerts {
			continue
		}
		if a, ok, err := st.Alert(news.AlertID(WatchName, p.ID)); err != nil {
			return storedTexts{}, err
		} else if ok {
			out.alerts[p.ID] = a
		}
	}
	return out, nil
}

// checkTexts reads the store and the segment files after the final run
// and applies the text rules.
func checkTexts(path string, site []publishedText) (TextVerdict, error) {
	stored, err := readTexts(path, site)
	if err != nil {
		return TextVerdict{}, err
	}
	v := judgeTexts(site, stored)
	seg, err := scanSegments(stored.dir)
	if err != nil {
		return v, err
	}
	v.Segments, v.Records, v.TornTails, v.Damaged = seg.files, seg.records, seg.torn, seg.damaged
	return v, nil
}

// judgeTexts applies the text rules to what the store holds: every
// published article some source marked seen has exactly one text, with
// the site's title and body paragraphs (in order; the extractor drops the
// page furniture, and may add nothing else we rely on), a configured
// source and a found time; an article that alerted has the source and
// found time of its alert, because one pass's transaction indexes the
// text and stores the alert and each keeps the first committed record;
// no other text exists.
func judgeTexts(site []publishedText, st storedTexts) TextVerdict {
	var v TextVerdict
	byID := map[string]publishedText{}
	for _, p := range site {
		byID[p.ID] = p
	}
	texts := map[string][]news.Article{}
	for _, a := range st.texts {
		v.Stored++
		texts[a.ID] = append(texts[a.ID], a)
	}
	for _, p := range site {
		seenBy := st.seenBy[p.ID]
		if len(seenBy) < len(sources) {
			v.Unseen = append(v.Unseen, fmt.Sprintf("%s (seen by %v)", p.ID, seenBy))
		}
		if len(seenBy) == 0 {
			continue // no text is due; Unseen reports it
		}
		v.Expected++
		got := texts[p.ID]
		if len(got) == 0 {
			v.Missing = append(v.Missing, p.ID)
			continue
		}
		v.Found++
		if why := wrongText(p, got[0], st.alerts); why != "" {
			v.Wrong = append(v.Wrong, fmt.Sprintf("%s: %s", p.ID, why))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(texts)) {
		if _, ok := byID[id]; !ok {
			v.Unknown = append(v.Unknown, id)
		}
		if n := len(texts[id]); n > 1 {
			v.Duplicated = append(v.Duplicated, fmt.Sprintf("%s (%d texts)", id, n))
		}
	}
	for _, l := range [][]string{v.Missing, v.Wrong, v.Unseen} {
		sort.Strings(l)
	}
	return v
}

// wrongText says how a stored text differs from what the site served, or
// "" when it does not.
func wrongText(p publishedText, a news.Article, alerts map[string]news.Alert) string {
	var why []string
	if a.Title != p.Title {
		why = append(why, fmt.Sprintf("title %q, want %q", a.Title, p.Title))
	}
	rest := a.Text
	for i, para := range p.Paras {
		at := strings.Index(rest, para)
		if at < 0 {
			why = append(why, fmt.Sprintf("body paragraph %d (%.40q…) missing or out of order", i+1, para))
			break
		}
		rest = rest[at+len(para):]
	}
	if !slices.Contains(sources, a.Source) {
		why = append(why, fmt.Sprintf("source %q is not configured", a.Source))
	}
	if a.Found.IsZero() {
		why = append(why, "found time is zero")
	}
	if p.Alerts {
		switch al, ok := alerts[p.ID]; {
		case !ok:
			why = append(why, "its alert is not stored")
		case al.Source != a.Source || !al.Found.Equal(a.Found):
			why = append(why, fmt.Sprintf("text from %s found %s, alert from %s found %s",
				a.Source, a.Found.Format(time.RFC3339Nano), al.Source, al.Found.Format(time.RFC3339Nano)))
		}
	}
	return strings.Join(why, "; ")
}

// The segment format, as store/textlog.go documents it: the magic, then
// records of a u32 BE length, a u32 BE CRC-32C of the value and the value.
// The harness reads it on its own because the store exports no check of
// its segments; a change of the format must change this too (the test
// then fails with damaged segments, so it cannot go unnoticed).
const (
	segmentMagic  = "newshound texts v1\n"
	segmentSuffix = ".seg"
	recordHeader  = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentScan is what scanSegments found.
type segmentScan struct {
	files, records, torn int
	damaged              []string
}

// scanSegments parses every segment file of dir: each must be a run of
// good records, optionally followed by a torn one — a record whose
// header or value runs past the end of the file, or a file shorter than
// the magic that starts it (a kill mid-append or mid-create). A complete
// record with a zero length or a bad checksum, or a bad magic, is damage.
func scanSegments(dir string) (segmentScan, error) {
	var s segmentScan
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("list the text segments: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), segmentSuffix) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return s, fmt.Errorf("read text segment: %w", err)
		}
		s.files++
		records, torn, problem := parseSegment(data)
		s.records += records
		if torn {
			s.torn++
		}
		if problem != "" {
			s.damaged = append(s.damaged, e.Name()+": "+problem)
		}
	}
	return s, nil
}

// parseSegment counts the good records of one segment file and says
// whether it ends in a torn record, or what else is wrong with it.
func parseSegment(data []byte) (records int, torn bool, problem string) {
	if len(data) < len(segmentMagic) {
		if !strings.HasPrefix(segmentMagic, string(data)) {
			return 0, false, "does not start with the segment magic"
		}
		return 0, true, "" // created, its magic not (all) written
	}
	if string(data[:len(segmentMagic)]) != segmentMagic {
		return 0, false, "does not start with the segment magic"
	}
	off := len(segmentMagic)
	for off < len(data) {
		if len(data)-off < recordHeader {
			return records, true, ""
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		sum := binary.BigEndian.Uint32(data[off+4:])
		switch {
		case n == 0:
			return records, false, fmt.Sprintf("zero-length record at offset %d", off)
		case n > len(data)-off-recordHeader:
			return records, true, ""
		}
		value := data[off+recordHeader : off+recordHeader+n]
		if crc32.Checksum(value, castagnoli) != sum {
			return records, false, fmt.Sprintf("bad checksum of the record at offset %d (%d bytes, %d bytes follow)", off, n, len(data)-off-recordHeader-n)
		}
		records++
		off += recordHeader + n
	}
	return records, false, ""
}
