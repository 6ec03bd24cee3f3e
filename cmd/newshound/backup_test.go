package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// alertCount opens the database at path and counts its alerts.
func alertCount(t *testing.T, path string) int {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	page, err := st.Alerts(store.AlertQuery{Limit: store.MaxAlertLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Alerts)
}

func checkPrivate(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, perm)
	}
}

func TestBackupOffline(t *testing.T) {
	path, dbPath := alertsWorld(t, "")
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(out, []byte("an older backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := runCmd([]string{"backup", "--config", path, out}, noEnv)
	if code != exitOK || !strings.Contains(stdout, "backed up "+dbPath+" to "+out) || !strings.Contains(stdout, "the daemon was not running") {
		t.Fatalf("backup = %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	checkPrivate(t, out)
	if n := alertCount(t, out); n != 5 {
		t.Errorf("backup holds %d alerts, want 5", n)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no OUT", []string{"backup", "--config", path}, exitUsage, "give the file to write the backup to"},
		{"two OUTs", []string{"backup", "--config", path, "a", "b"}, exitUsage, "give the file to write the backup to"},
		{"a folder", []string{"backup", "--config", path, t.TempDir()}, exitUsage, "is a folder; give the backup's file name"},
		{"the database", []string{"backup", "--config", path, dbPath}, exitUsage, "is the database itself"},
		{"no database", []string{"backup", "--config", writeFile(t, fmt.Sprintf(alertsTestConfig, "")), out}, exitFailure, "nothing has run with this config yet"},
	}
	for _, tt := range tests {
		code, _, errOut := runCmd(tt.args, noEnv)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: run(%q) = %d, stderr %q; want %d and %q", tt.name, tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// backupServer serves held through the real web server with the
// backup endpoint, as the daemon does; auth may be empty.
func backupServer(t *testing.T, held *store.Store, auth web.Auth) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(web.New(web.Options{Backend: storeBackend{held}, Auth: auth, Backup: held.Backup}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestBackupWhileDaemonRuns: with the database held, backup fetches the
// copy from the daemon's HTTP server; a copy cut short or not a database
// leaves OUT as it was.
func TestBackupWhileDaemonRuns(t *testing.T) {
	const token = "0123456789abcdef-token"
	path, dbPath := alertsWorld(t, "")
	held, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	out := filepath.Join(t.TempDir(), "backup.db")

	code, _, errOut := runCmd([]string{"backup", "--config", path, out}, noEnv)
	if code != exitFailure || !strings.Contains(errOut, "the daemon holds the database") || !strings.Contains(errOut, "set listen") {
		t.Errorf("backup on a held store without listen = %d, stderr %q; want 1, the daemon message and the listen hint", code, errOut)
	}

	// The real server, with and without auth: the command must send what
	// it requires (the credentials, RequestHeader, a loopback Host).
	noAuth := backupServer(t, held, web.Auth{})
	cfg := writeAlertsConfig(t, dbPath, "listen: "+strings.TrimPrefix(noAuth.URL, "http://"))
	if code, stdout, errOut := runCmd([]string{"backup", "--config", cfg, out}, noEnv); code != exitOK {
		t.Fatalf("backup through the daemon without auth = %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	srv := backupServer(t, held, web.Auth{Bearer: token})
	cfg = writeAlertsConfig(t, dbPath, fmt.Sprintf("listen: %s\nlisten_auth: {bearer: %s}", strings.TrimPrefix(srv.URL, "http://"), token))
	code, stdout, errOut := runCmd([]string{"backup", "--config", cfg, out}, noEnv)
	if code != exitOK || !strings.Contains(stdout, "from the running daemon at "+srv.URL) {
		t.Fatalf("backup through the daemon = %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	checkPrivate(t, out)
	if n := alertCount(t, out); n != 5 {
		t.Errorf("backup through the daemon holds %d alerts, want 5", n)
	}
	good, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}

	bad := map[string]http.HandlerFunc{
		"cut short": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(good)))
			w.Write(good[:len(good)/2])
		},
		"cut short, chunked": func(w http.ResponseWriter, r *http.Request) {
			w.Write(good[:len(good)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		},
		"not a database": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>a proxy's error page</html>"))
		},
		"truncated but complete answer": func(w http.ResponseWriter, r *http.Request) {
			w.Write(good[:len(good)-4096])
		},
		"refused": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "authentication required", http.StatusUnauthorized)
		},
		"older daemon": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
	}
	for name, h := range bad {
		srv := httptest.NewServer(h)
		cfg := writeAlertsConfig(t, dbPath, "listen: "+strings.TrimPrefix(srv.URL, "http://"))
		code, _, errOut := runCmd([]string{"backup", "--config", cfg, out}, noEnv)
		srv.Close()
		t.Logf("%s: %s", name, errOut)
		if code != exitFailure {
			t.Errorf("%s: backup = %d, stderr %q; want a failure", name, code, errOut)
		}
		if now, err := os.ReadFile(out); err != nil || string(now) != string(good) {
			t.Errorf("%s: the earlier backup at OUT was changed (err %v)", name, err)
		}
		if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".backup.db.tmp-*")); len(leftovers) > 0 {
			t.Errorf("%s: temporary files left: %v", name, leftovers)
		}
	}
}

func TestDaemonBaseURL(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{":8080", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080"},
		{"[::]:8080", "http://[::1]:8080"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"localhost:80", "http://localhost:80"},
		{"192.168.1.10:8080", "http://192.168.1.10:8080"},
	}
	for _, tt := range tests {
		if got, err := daemonBaseURL(tt.listen); err != nil || got != tt.want {
			t.Errorf("daemonBaseURL(%q) = %q, %v; want %q", tt.listen, got, err, tt.want)
		}
	}
}

func TestCompact(t *testing.T) {
	path, dbPath := alertsWorld(t, "")
	// Grow the file with a year-old crawl, then prune it: the free pages
	// bbolt keeps are what compact gives back.
	old := alertsBase.Add(-400 * 24 * time.Hour)
	st, err := store.Open(dbPath, store.Options{Now: func() time.Time { return old }})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 10 {
		var seen []news.Article
		for j := range 100 {
			u := fmt.Sprintf("https://example.org/old/%d/%d", i, j)
			text := make([]byte, 2000)
			for k := range text {
				text[k] = byte('a' + rnd.IntN(26))
			}
			seen = append(seen, news.Article{ID: u, Keys: []string{u}, URL: u, Source: "wire", Text: string(text), Found: old})
		}
		if _, err := st.Record(store.Pass{Source: "wire", Seen: seen}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Prune(store.Retention{Seen: 180 * 24 * time.Hour, Text: 14 * 24 * time.Hour}, alertsBase); err != nil {
		t.Fatal(err)
	}
	st.Close()

	held, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd([]string{"compact", "--config", path}, noEnv)
	held.Close()
	if code != exitFailure || !strings.Contains(errOut, "the daemon holds the database") || !strings.Contains(errOut, "cannot run beside the daemon") {
		t.Errorf("compact on a held store = %d, stderr %q; want 1 and the daemon message", code, errOut)
	}

	info, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd([]string{"compact", "--config", path}, noEnv)
	if code != exitOK || !strings.HasPrefix(out, "compacted "+dbPath+": "+byteSize(info.Size())+" before, ") {
		t.Fatalf("compact = %d, stdout %q, stderr %q", code, out, errOut)
	}
	after, err := os.Stat(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if after.Size() >= info.Size() || !strings.Contains(out, byteSize(after.Size())+" after") {
		t.Errorf("compact: %d bytes before, %d after, output %q; want smaller and reported", info.Size(), after.Size(), out)
	}
	checkPrivate(t, dbPath)
	if n := alertCount(t, dbPath); n != 5 {
		t.Errorf("compacted database holds %d alerts, want 5", n)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath), ".test.db*")); len(leftovers) > 0 {
		t.Errorf("compact left temporary files: %v", leftovers)
	}
}

func TestByteSize(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {32768, "32.8 kB"}, {1_500_000, "1.5 MB"}, {300_000_000, "300.0 MB"}, {2_000_000_000_000, "2.0 TB"}} {
		if got := byteSize(tt.n); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// FuzzDaemonBaseURL: for any listen address the URL built parses, keeps
// the port, and never points at an unspecified address.
func FuzzDaemonBaseURL(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", ":8080", "0.0.0.0:1", "[::]:80", "[fe80::1%eth0]:8080", "host:80", "::1", "[::ffff:0.0.0.0]:9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, listen string) {
		got, err := daemonBaseURL(listen)
		if err != nil {
			return
		}
		_, port, _ := net.SplitHostPort(listen)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "http" || u.Port() != port {
			t.Fatalf("daemonBaseURL(%q) = %q: does not parse (%v) or lost the port %q", listen, got, err, port)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && ip.Unmap().IsUnspecified() {
			t.Fatalf("daemonBaseURL(%q) = %q points at an unspecified address", listen, got)
		}
	})
}
