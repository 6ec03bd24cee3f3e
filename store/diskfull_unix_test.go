//go:build linux

package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// diskFullEnv names, in the child process TestDiskFull starts, the
// scenario to run and the directory to run it in.
const diskFullEnv = "NEWSHOUND_DISKFULL_CHILD"

// TestDiskFull (RELIABILITY item 18): when a write cannot grow a file —
// the day's text segment or the database — Record returns the error, the
// pass advances nothing (its articles are not seen, its alerts not
// stored), the store stays usable, and the same pass recorded once there
// is room again is stored exactly once, also after a reopen.
//
// "No room" is RLIMIT_FSIZE, which makes the kernel refuse to grow a file
// (EFBIG) as a full disk does (ENOSPC), without root or a small file
// system; the limit is per process, so each scenario runs in a child
// process of this test binary.
func TestDiskFull(t *testing.T) {
	if scenario := os.Getenv(diskFullEnv); scenario != "" {
		diskFullChild(t, scenario)
		return
	}
	for _, scenario := range []string{"texts", "database"} {
		t.Run(scenario, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFull$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), diskFullEnv+"="+scenario, "TMPDIR="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child for %s failed: %v\n%s", scenario, err, out)
			}
			if !bytes.Contains(out, []byte("disk full scenario "+scenario+" ran")) {
				t.Fatalf("child for %s did not run the scenario:\n%s", scenario, out)
			}
		})
	}
}

// diskFullChild runs one scenario with the file size limit lowered.
func diskFullChild(t *testing.T, scenario string) {
	signal.Ignore(syscall.SIGXFSZ) // EFBIG instead of being killed
	s, path := openTest(t)
	mustRecord(t, s, bigPass("warm-up", 1))

	// The pass that will not fit: with big, incompressible texts it
	// overflows the segment; without texts (no IDs) but with big alerts
	// it must grow the database file.
	var p Pass
	var limit int64
	switch scenario {
	case "texts":
		p = bigPass("full", 8)
		info, err := os.Stat(segmentPath(path))
		if err != nil {
			t.Fatal(err)
		}
		limit = info.Size() + 1000 // room for less than one more text
	case "database":
		p = bigPass("full", 8)
		for i := range p.Seen {
			p.Seen[i].ID = "" // no text: the database alone grows
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		limit = info.Size()
	default:
		t.Fatalf("unknown scenario %q", scenario)
	}
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &orig); err != nil {
		t.Fatal(err)
	}
	lowered := orig
	lowered.Cur = uint64(limit)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lowered); err != nil {
		t.Fatal(err)
	}
	_, err := s.Record(p)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &orig); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil {
		t.Fatalf("Record(pass larger than the room left, %s) = nil error, want the write failure", scenario)
	}
	t.Logf("Record with no room (%s): %v", scenario, err)
	key := p.Seen[0].Keys[0]
	if seen, err := s.Seen("full", key); err != nil || seen {
		t.Errorf("Seen(%s) after the failed pass = %v, %v; want false: the pass must advance nothing", key, seen, err)
	}
	if _, ok, err := s.Alert(p.Alerts[0].Alert.ID); err != nil || ok {
		t.Errorf("Alert(%s) after the failed pass = %v, %v; want not stored", p.Alerts[0].Alert.ID, ok, err)
	}

	// Room again: the same pass goes through, once.
	mustRecord(t, s, p)
	s = reopen(t, s, path)
	if seen, err := s.Seen("full", key); err != nil || !seen {
		t.Errorf("Seen(%s) after recording again and reopening = %v, %v; want true", key, seen, err)
	}
	wantTexts := 1
	if scenario == "texts" {
		wantTexts += len(p.Seen)
	}
	if got := storedIDs(t, s, time.Time{}); len(got) != wantTexts {
		t.Errorf("Articles() after the retry = %d texts, want %d (each once)", len(got), wantTexts)
	}
	fmt.Printf("disk full scenario %s ran\n", scenario)
}

// bigPass is a pass of n articles with ~50 kB of random (incompressible)
// text each, and one alert per article with a large snippet.
func bigPass(source string, n int) Pass {
	p := Pass{Source: source}
	for i := range n {
		raw := make([]byte, 25<<10)
		_, _ = rand.Read(raw)
		url := fmt.Sprintf("https://example.com/%s/%d", source, i)
		p.Seen = append(p.Seen, news.Article{ID: url, Keys: []string{url}, URL: url, Source: source, Text: hex.EncodeToString(raw), Found: t0})
		a := testAlert("acme", url)
		a.Snippet = hex.EncodeToString(raw[:8<<10])
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: a, Notifiers: []string{"slack"}})
	}
	return p
}
