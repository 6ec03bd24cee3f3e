package crashloop

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// TestJudgeTexts: the text rules on hand-made store contents, so that a
// loop that finds nothing wrong is known to be able to.
func TestJudgeTexts(t *testing.T) {
	found := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	site := []publishedText{
		{ID: "http://site/news/0.html", Title: "Shipping update 0", Paras: []string{"Tankers resumed.", "Dock workers queued."}, Alerts: true},
		{ID: "http://site/news/3.html", Title: "Harbour report 3", Paras: []string{"Officials said.", "Fishermen said."}},
	}
	text := func(id, title, body, source string, at time.Time) news.Article {
		return news.Article{ID: id, Title: title, Text: body, Source: source, Found: at}
	}
	good := []news.Article{
		text(site[0].ID, site[0].Title, "Tankers resumed.\nDock workers queued.", "wire", found),
		text(site[1].ID, site[1].Title, "Officials said.\nFishermen said.", "front", found.Add(time.Second)),
	}
	bothSeen := map[string][]string{site[0].ID: sources, site[1].ID: sources}
	alert := map[string]news.Alert{site[0].ID: {Source: "wire", Found: found}}
	tests := []struct {
		name   string
		texts  []news.Article
		seenBy map[string][]string
		alerts map[string]news.Alert
		want   []string // substrings of the problems; none when empty
		found  int
	}{
		{"every text once", good, bothSeen, alert, nil, 2},
		{"extra furniture lines are fine", []news.Article{
			text(site[0].ID, site[0].Title, "Menu\nTankers resumed.\nAside\nDock workers queued.\nFooter", "wire", found), good[1],
		}, bothSeen, alert, nil, 2},
		{"missing", good[:1], bothSeen, alert, []string{"1 seen articles without a replay text: [http://site/news/3.html]"}, 1},
		{"not seen: no text due, but reported", good[:1], map[string][]string{site[0].ID: sources, site[1].ID: nil}, alert,
			[]string{"1 published articles a source never marked seen: [http://site/news/3.html (seen by [])]"}, 1},
		{"seen by one source only", good, map[string][]string{site[0].ID: sources, site[1].ID: {"front"}}, alert,
			[]string{"never marked seen: [http://site/news/3.html (seen by [front])]"}, 2},
		{"twice", append(good, good[1]), bothSeen, alert, []string{"1 article IDs with more than one replay text: [http://site/news/3.html (2 texts)]"}, 2},
		{"unknown", append(good, text("http://site/news/9.html", "?", "", "wire", found)), bothSeen, alert,
			[]string{"1 replay texts of articles the site never published: [http://site/news/9.html]"}, 2},
		{"paragraph missing", []news.Article{text(site[0].ID, site[0].Title, "Tankers resumed.", "wire", found), good[1]}, bothSeen, alert,
			[]string{"body paragraph 2"}, 2},
		{"paragraphs swapped", []news.Article{text(site[0].ID, site[0].Title, "Dock workers queued.\nTankers resumed.", "wire", found), good[1]}, bothSeen, alert,
			[]string{"body paragraph 2"}, 2},
		{"another article's title", []news.Article{text(site[0].ID, "Harbour report 3", good[0].Text, "wire", found), good[1]}, bothSeen, alert,
			[]string{`title "Harbour report 3", want "Shipping update 0"`}, 2},
		{"unconfigured source", []news.Article{good[0], text(site[1].ID, site[1].Title, good[1].Text, "", found)}, bothSeen, alert,
			[]string{`source "" is not configured`}, 2},
		{"zero found time", []news.Article{good[0], text(site[1].ID, site[1].Title, good[1].Text, "front", time.Time{})}, bothSeen, alert,
			[]string{"found time is zero"}, 2},
		{"text of a pass that never committed", []news.Article{text(site[0].ID, site[0].Title, good[0].Text, "wire", found.Add(-time.Second)), good[1]}, bothSeen, alert,
			[]string{"text from wire found 2026-11-25T08:59:59Z, alert from wire found 2026-11-25T09:00:00Z"}, 2},
		{"text of the other source than the alert's", []news.Article{text(site[0].ID, site[0].Title, good[0].Text, "front", found), good[1]}, bothSeen, alert,
			[]string{"text from front"}, 2},
		{"alert not stored", good, bothSeen, nil, []string{"its alert is not stored"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judgeTexts(site, storedTexts{texts: tt.texts, seenBy: tt.seenBy, alerts: tt.alerts})
			probs := strings.Join(v.problems(), "\n")
			if v.Found != tt.found {
				t.Errorf("Found = %d, want %d", v.Found, tt.found)
			}
			if len(tt.want) == 0 && probs != "" {
				t.Errorf("problems:\n%s\nwant none", probs)
			}
			for _, w := range tt.want {
				if !strings.Contains(probs, w) {
					t.Errorf("problems:\n%s\nwant one containing %q", probs, w)
				}
			}
		})
	}
}

// frame is one record as store/textlog.go writes it.
func frame(value string) string {
	var h [recordHeader]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(value)))
	binary.BigEndian.PutUint32(h[4:], crc32.Checksum([]byte(value), castagnoli))
	return string(h[:]) + value
}

func TestParseSegment(t *testing.T) {
	two := segmentMagic + frame("first") + frame("second")
	garbled := []byte(two)
	garbled[len(garbled)-1] ^= 1
	tests := []struct {
		name    string
		data    string
		records int
		torn    bool
		problem string // substring; "" for none
	}{
		{"empty file", "", 0, true, ""},
		{"part of the magic", segmentMagic[:7], 0, true, ""},
		{"magic only", segmentMagic, 0, false, ""},
		{"two records", two, 2, false, ""},
		{"torn header", two + frame("third")[:5], 2, true, ""},
		{"torn value", two + frame("third")[:10], 2, true, ""},
		{"bad checksum", string(garbled), 1, false, "bad checksum of the record at offset"},
		{"zero length", two + strings.Repeat("\x00", 12), 2, false, "zero-length record"},
		{"not a segment", "hello", 0, false, "does not start with the segment magic"},
		{"wrong magic", strings.ToUpper(segmentMagic) + frame("x"), 0, false, "does not start with the segment magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			records, torn, problem := parseSegment([]byte(tt.data))
			if records != tt.records || torn != tt.torn || (tt.problem == "") != (problem == "") || !strings.Contains(problem, tt.problem) {
				t.Errorf("parseSegment(%q) = %d, %v, %q; want %d, %v, %q", tt.data, records, torn, problem, tt.records, tt.torn, tt.problem)
			}
		})
	}
}

func TestScanSegments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "newshound.db.texts")
	if s, err := scanSegments(dir); err != nil || s.files != 0 {
		t.Fatalf("scanSegments(missing dir) = %+v, %v; want nothing", s, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"2026-11-24.seg": segmentMagic + frame("a") + frame("b"),
		"2026-11-25.seg": segmentMagic + frame("c") + frame("d")[:6],
		"notes.txt":      "not a segment, not looked at",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := scanSegments(dir)
	if err != nil || s.files != 2 || s.records != 3 || s.torn != 1 || len(s.damaged) != 0 {
		t.Errorf("scanSegments = %+v, %v; want 2 files, 3 records, 1 torn tail, no damage", s, err)
	}
}

// FuzzParseSegment: any bytes parse without panicking; a torn tail is
// never damage; and appending a good record to a clean segment adds
// exactly one.
func FuzzParseSegment(f *testing.F) {
	f.Add([]byte(segmentMagic+frame("first")), []byte("x"))
	f.Add([]byte(segmentMagic), []byte{})
	f.Add([]byte("garbage"), []byte("v"))
	f.Fuzz(func(t *testing.T, data, value []byte) {
		records, torn, problem := parseSegment(data)
		if torn && problem != "" {
			t.Fatalf("parseSegment(%q): torn and damaged (%s)", data, problem)
		}
		if torn || problem != "" || len(data) < len(segmentMagic) || len(value) == 0 {
			return
		}
		more, torn2, problem2 := parseSegment(append(data[:len(data):len(data)], frame(string(value))...))
		if more != records+1 || torn2 || problem2 != "" {
			t.Fatalf("parseSegment(%q + record %q) = %d, %v, %q; want %d, false, \"\"", data, value, more, torn2, problem2, records+1)
		}
	})
}

func TestIdlePass(t *testing.T) {
	tests := []struct {
		line   string
		source string
		ok     bool
	}{
		{`time=2026-11-25T22:48:52.003Z level=INFO msg="source crawled" source=wire items=19 new=0 alerts=0 not_modified=false disallowed=0 given_up=0 took=2ms`, "wire", true},
		{`time=2026-11-25T22:48:52.003Z level=INFO msg="source crawled" source=front items=19 new=3 alerts=2 not_modified=false disallowed=0 given_up=0 took=2ms`, "front", false},
		{`time=2026-11-25T22:48:52.003Z level=ERROR msg="source failed" source=wire err="fetch: refused" took=2ms`, "", false},
		{`time=2026-11-25T22:48:52.003Z level=INFO msg="newshound running" sources=2`, "", false},
	}
	for _, tt := range tests {
		source, ok := idlePass(tt.line)
		if source != tt.source || ok != tt.ok {
			t.Errorf("idlePass(%q) = %q, %v; want %q, %v", tt.line, source, ok, tt.source, tt.ok)
		}
	}
}
