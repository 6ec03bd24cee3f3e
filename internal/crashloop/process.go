package crashloop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// daemon is one running `newshound run` process.
type daemon struct {
	cmd     *exec.Cmd
	started time.Time
	logDone chan struct{}

	mu    sync.Mutex
	ready time.Time // when "newshound running" was logged; zero until then
	// idle holds the sources that logged a recorded pass which fetched
	// no new article: everything they listed was seen by then.
	idle map[string]bool
}

// readyLine is what app.Run logs once the scheduler and dispatcher run.
const readyLine = "newshound running"

func startDaemon(bin, cfgPath string, log io.Writer, run int) (*daemon, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.Env = append(os.Environ(), "NEWSHOUND_CONFIG=")
	fmt.Fprintf(log, "=== run %d\n", run)
	d := &daemon{cmd: cmd, logDone: make(chan struct{}), idle: map[string]bool{}}
	d.started = time.Now()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	pw.Close() // the child holds the write end; EOF comes when it dies
	go func() {
		defer close(d.logDone)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, readyLine) {
				d.mu.Lock()
				if d.ready.IsZero() {
					d.ready = time.Now()
				}
				d.mu.Unlock()
			}
			if source, ok := idlePass(line); ok {
				d.mu.Lock()
				d.idle[source] = true
				d.mu.Unlock()
			}
			fmt.Fprintln(log, line)
		}
	}()
	return d, nil
}

// kill sends SIGKILL and returns when the process is known dead, and,
// when it had exited on its own before the signal, how.
func (d *daemon) kill() (dead time.Time, exited string, err error) {
	if err := d.cmd.Process.Kill(); err != nil {
		return time.Time{}, "", fmt.Errorf("kill: %w", err)
	}
	werr := d.cmd.Wait()
	dead = time.Now()
	<-d.logDone
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return dead, "", nil
		}
	}
	// A zombie accepts SIGKILL: the daemon had stopped by itself.
	return dead, fmt.Sprintf("%v", werr), nil
}

// idlePass reads app.logPass's line in the default text format
// (msg="source crawled" source=wire items=12 new=0 ...): ok when it
// reports a pass recorded without fetching a new article. It comes after
// Record returned, so the source's seen keys are committed.
func idlePass(line string) (source string, ok bool) {
	if !strings.Contains(line, `msg="source crawled"`) {
		return "", false
	}
	fresh := ""
	for _, f := range strings.Fields(line) {
		if v, found := strings.CutPrefix(f, "source="); found {
			source = v
		} else if v, found := strings.CutPrefix(f, "new="); found {
			fresh = v
		}
	}
	return source, source != "" && fresh == "0"
}

// idleSources reports whether every one of names has logged an idle
// pass (see idlePass).
func (d *daemon) idleSources(names ...string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range names {
		if !d.idle[s] {
			return false
		}
	}
	return true
}

// startup is the time from exec to the ready line, if it came.
func (d *daemon) startup() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ready.IsZero() {
		return 0, false
	}
	return d.ready.Sub(d.started), true
}

// terminate sends SIGTERM and waits up to limit for the exit; past the
// limit the process is killed and an error returned.
func (d *daemon) terminate(limit time.Duration) (code int, took time.Duration, err error) {
	sent := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return -1, 0, fmt.Errorf("SIGTERM: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case werr := <-done:
		took = time.Since(sent)
		<-d.logDone
		var ee *exec.ExitError
		switch {
		case werr == nil:
			return 0, took, nil
		case errors.As(werr, &ee):
			return ee.ExitCode(), took, nil
		default:
			return -1, took, werr
		}
	case <-time.After(limit):
		_ = d.cmd.Process.Kill()
		<-done
		<-d.logDone
		return -1, limit, fmt.Errorf("newshound did not exit within %v of SIGTERM", limit)
	}
}
