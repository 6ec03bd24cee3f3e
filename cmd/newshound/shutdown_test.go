package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// childEnv, set to 1, makes the test binary run main() instead of the
// tests: the shutdown test runs the real command (flags, signal handling,
// store close, exit code) in a process it can send SIGTERM to.
const childEnv = "NEWSHOUND_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestShutdownWithSendInFlight: the daemon is sending an alert to a
// receiver that never answers when SIGTERM comes. It must stop within the
// limit, exit 0, and leave the entry queued (and due) in a store it
// closed cleanly, so the next start sends it.
func TestShutdownWithSendInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon in a child process")
	}
	site := replaySite(t)
	arrived := make(chan struct{}, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done() // stall until the client gives up
	}))
	defer receiver.Close()
	defer receiver.CloseClientConnections()
	path := writeFile(t, fmt.Sprintf(`data: test.db
crawl: {host_delay: 0s}
sources:
  - name: wire
    feed: %s/rss.xml
    schedule: "@every 5s" # catch-up waits the jitter offset: at most a tenth
watches:
  - name: centcom
    entities: [CENTCOM]
    notify: [hook]
notifiers:
  - {name: hook, webhook: {url: "%s/hook"}}
`, site.URL(""), receiver.URL))

	cmd, exited, stderr := startChild(t, "run", "--config", path, "--grace", "1s")

	select {
	case <-arrived:
	case err := <-exited:
		t.Fatalf("daemon exited before sending: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("no send reached the receiver within a minute\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) || err != nil {
			t.Fatalf("daemon exited with %v after SIGTERM, want 0\n%s", err, stderr.String())
		}
	case <-time.After(shutdownLimit):
		t.Fatalf("daemon still running %v after SIGTERM\n%s", shutdownLimit, stderr.String())
	}
	if log := stderr.String(); !strings.Contains(log, "shutting down") || !strings.Contains(log, "stopped") {
		t.Errorf("daemon log lacks the shutdown:\n%s", log)
	}

	// The store was closed (it opens at once) and the entry is still due.
	st, err := store.Open(filepath.Join(filepath.Dir(path), "test.db"), store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open the store after shutdown: %v", err)
	}
	defer st.Close()
	want := news.AlertID("centcom", site.URL("/centcom.html")) + "/hook"
	due, err := st.Due(time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ID != want {
		t.Errorf("outbox after shutdown = %+v, want %s still queued", due, want)
	}
	if _, ok, err := st.Delivered(want); ok || err != nil {
		t.Errorf("Delivered(%s) = %v, %v; want not delivered", want, ok, err)
	}
}

// TestOnceStopsOnSIGTERMDuringPass: `once` is crawling a source whose
// article page never answers when SIGTERM comes (RELIABILITY.md items 15
// and 31). It must stop the pass and exit well within the limit, leaving
// the store closed, instead of running on until the pass budget or the
// request timeout.
func TestOnceStopsOnSIGTERMDuringPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	arrived := make(chan struct{}, 1)
	var srvURL string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>CENTCOM stalls</title><link>%s/stall.html</link></item></channel></rss>`, srvURL)
		case "/stall.html":
			select {
			case arrived <- struct{}{}:
			default:
			}
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	srvURL = site.URL
	defer site.Close()
	defer site.CloseClientConnections()
	path := writeFile(t, fmt.Sprintf(`data: test.db
crawl: {host_delay: 0s}
defaults: {timeout: 10m, pass_timeout: 1h}
sources:
  - {name: wire, feed: "%s/rss.xml"}
watches:
  - {name: centcom, entities: [CENTCOM], notify: [out]}
notifiers:
  - {name: out, stdout: {}}
`, site.URL))
	cmd, exited, stderr := startChild(t, "once", "--config", path)
	select {
	case <-arrived:
	case err := <-exited:
		t.Fatalf("once exited before fetching the page: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("once did not fetch the article page within a minute\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(shutdownLimit):
		t.Fatalf("once still running %v after SIGTERM\n%s", shutdownLimit, stderr.String())
	}
	st, err := store.Open(filepath.Join(filepath.Dir(path), "test.db"), store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open the store after once stopped: %v", err)
	}
	defer st.Close()
	if seen, err := st.Seen("wire", site.URL+"/stall.html"); seen || err != nil {
		t.Errorf("Seen(stalled article) = %v, %v; want unseen, so the next run fetches it", seen, err)
	}
}

// startChild runs the command with args in a child process (this test
// binary running main), its stderr collected; exited gets Wait's result.
// The child is killed when the test ends, should it still run.
func startChild(t *testing.T, args ...string) (cmd *exec.Cmd, exited <-chan error, stderr *testlog.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &testlog.Buffer{}
	cmd = exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() }) // os.ErrProcessDone once it exited
	return cmd, done, stderr
}
