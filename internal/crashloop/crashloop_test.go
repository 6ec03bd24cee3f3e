package crashloop

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// goCommand is the go command running this test, so the binary is built by
// the same toolchain.
func goCommand(t *testing.T) string {
	t.Helper()
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build newshound with")
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestCrashLoop is the short form of the proof: the real binary killed 50
// times at random moments while articles keep appearing (RELIABILITY.md
// item 14; bench/crashloop runs the long form).
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop: builds the binary and kills it 50 times (~25 s); skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := Build(ctx, goCommand(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (bench/crashloop -seed %d -kills 50 replays the same kill delays)", seed, seed)
	r, err := Run(ctx, Options{Binary: bin, Kills: 50, Dir: dir, Seed: seed, Logf: t.Logf})
	t.Logf("crash loop figures:\n%s", r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); err != nil {
		if log, rerr := os.ReadFile(filepath.Join(dir, "daemon.log")); rerr == nil {
			t.Logf("daemon.log (last 4 kB):\n%s", tail(string(log), 4<<10))
		}
		t.Fatal(err)
	}
	// The loop must exercise what it claims to: articles published and
	// alerted during the kills, traps among them.
	if r.Alerts < 50 || r.Published <= r.Alerts || r.DuringKills < 10 {
		t.Errorf("published %d articles, %d expected alerts, %d delivered by runs then killed; want at least 50 alerts, some traps, and at least 10 deliveries among the kills",
			r.Published, r.Alerts, r.DuringKills)
	}
	if r.ExitCode != 0 || r.StopTook > 30*time.Second {
		t.Errorf("final run: exit %d after %v, want 0 within 30s", r.ExitCode, r.StopTook)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// TestCheck: the rules on hand-made deliveries, so that a loop that finds
// nothing wrong is known to be able to.
func TestCheck(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// by(run, id, ms): a well-formed webhook delivery of id by run at ms.
	by := func(run int, id string, ms int) Delivery {
		return Delivery{Notifier: "hook", ID: id, Run: run, Start: at(ms), Answered: true}
	}
	expected := map[string]bool{"hook/a": true, "hook/b": true}
	tests := []struct {
		name       string
		deliveries []Delivery
		deaths     []time.Time // deaths[r]: run r killed
		acked      []int       // runs whose delivery of "a" the store had recorded at their death
		want       []string    // substrings of the problems; none when empty
		repeats    int
		lag        time.Duration
	}{
		{"once each", []Delivery{by(0, "a", 0), by(0, "b", 10)}, nil, nil, nil, 0, 0},
		{"repeat after a kill before the ack", []Delivery{by(0, "a", 0), by(1, "a", 900), by(1, "b", 950)}, []time.Time{at(20)}, nil, nil, 1, 20 * time.Millisecond},
		{"request of the killed run reaching the handler after its death", []Delivery{by(0, "a", 30), by(1, "a", 900), by(1, "b", 950)}, []time.Time{at(20)}, nil, nil, 1, 0},
		{"repeat of a delivery the store had recorded", []Delivery{by(0, "a", 0), by(1, "a", 900), by(1, "b", 950)}, []time.Time{at(20)}, []int{0}, []string{"the store had recorded the first delivery"}, 1, 0},
		{"repeat within one run", []Delivery{by(0, "a", 0), by(0, "a", 900), by(0, "b", 950)}, nil, nil, []string{"twice in one run", "repeats through hook, more than the 0 kills"}, 1, 0},
		{"repeat of a delivery by the final run", []Delivery{by(1, "a", 1000), by(1, "a", 1100), by(1, "b", 10)}, []time.Time{at(500)}, nil, []string{"twice in one run"}, 1, 0},
		{"more repeats than kills", []Delivery{by(0, "a", 0), by(1, "a", 900), by(1, "a", 950), by(0, "b", 10)}, []time.Time{at(20)}, nil, []string{"repeats through hook, more than the 1 kills", "twice in one run"}, 2, 20 * time.Millisecond},
		{"missing", []Delivery{by(0, "a", 0)}, nil, nil, []string{"1 expected alerts never delivered: [hook/b]"}, 0, 0},
		{"trap delivered", []Delivery{by(0, "a", 0), by(0, "b", 0), by(0, "trap", 5)}, nil, nil, []string{"not expected: [hook/trap (1 deliveries)]"}, 0, 0},
		{"bad signature", []Delivery{by(0, "a", 0), by(0, "b", 0), {Notifier: "hook", ID: "a", Start: at(3), Problem: "signature: no valid webhook signature"}}, nil, nil, []string{"1 malformed requests"}, 0, 0},
		{"cut body is no delivery", []Delivery{by(0, "a", 0), {Notifier: "hook", ID: "b", Start: at(3), Cut: true}}, []time.Time{at(4)}, nil, []string{"never delivered: [hook/b]"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acked := func(d Delivery) bool { return d.ID == "a" && slices.Contains(tt.acked, d.Run) }
			v := Check(expected, tt.deliveries, tt.deaths, acked)
			probs := strings.Join(v.problems(len(tt.deaths)), "\n")
			if v.Repeats != tt.repeats || v.MaxAckLag != tt.lag {
				t.Errorf("Repeats = %d, MaxAckLag = %v; want %d, %v", v.Repeats, v.MaxAckLag, tt.repeats, tt.lag)
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
