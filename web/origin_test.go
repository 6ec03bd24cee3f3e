package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// listening serves opts on a fresh 127.0.0.1 port through Serve, as the
// daemon does, with a backup that counts how often it ran; it returns
// the address and the counter.
func listening(t *testing.T, f *fixture, auth Auth) (addr string, backups *atomic.Int32) {
	t.Helper()
	backups = new(atomic.Int32)
	srv := New(Options{
		Backend: f.backend, Auth: auth, Now: f.clock.Now, Logger: discardLogger(),
		Backup: func(w io.Writer) (int64, error) {
			backups.Add(1)
			return f.store.Backup(w)
		},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), backups
}

// send makes one request to addr with the given Host and header pairs
// and returns the status, the Content-Type and the body.
func send(t *testing.T, addr, method, target, host string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %q): %v", method, target, host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s (Host %q): read body: %v", method, target, host, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestItem37_HostCheck runs DNS rebinding (RELIABILITY.md item 37)
// against the real server on 127.0.0.1 without auth: a page of
// attacker.example, rebound to 127.0.0.1, makes the browser send Host:
// attacker.example:PORT. Such requests get 421 and nothing of the data;
// local names and loopback literals are served.
func TestItem37_HostCheck(t *testing.T) {
	f := newFixture(t)
	addr, backups := listening(t, f, Auth{})
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		host  string
		serve bool
	}{
		{"127.0.0.1:" + port, true},
		{"localhost:" + port, true},
		{"LOCALHOST:" + port, true},
		{"[::1]:" + port, true},
		{"[::ffff:127.0.0.1]:" + port, true},
		{"127.0.0.2:" + port, true}, // any loopback literal
		{"localhost", true},         // no port: a local proxy or hand-made request
		{"127.0.0.1", true},
		{"[::1]", true},
		{"attacker.example:" + port, false},
		{"attacker.example", false},
		{"127.0.0.1.attacker.example:" + port, false},
		{"localhost.attacker.example:" + port, false},
		{"localhost.:" + port, false},
		{"app.localhost:" + port, false},
		{"2130706433:" + port, false}, // 127.0.0.1 as a number: browsers never send it
		{"localhost:1", false},        // wrong port: another origin
		{"127.0.0.1:1" + port, false},
		{"[::1]:80", false},
	}
	endpoints := []struct{ method, target string }{
		{http.MethodGet, "/api/v1/sources"},
		{http.MethodGet, "/api/v1/alerts"},
		{http.MethodGet, "/"},
		{http.MethodGet, "/metrics"},
		{http.MethodPost, "/api/v1/backup"},
	}
	for _, tt := range tests {
		for _, e := range endpoints {
			before := backups.Load()
			status, ctype, body := send(t, addr, e.method, e.target, tt.host, RequestHeader, "1")
			ran := backups.Load() - before
			switch {
			case tt.serve && (status == http.StatusMisdirectedRequest || status >= 500):
				t.Errorf("%s %s with Host %q = %d %.80q, want it served", e.method, e.target, tt.host, status, body)
			case tt.serve && e.target == "/api/v1/backup" && ran != 1:
				t.Errorf("%s %s with Host %q ran %d backups, want 1", e.method, e.target, tt.host, ran)
			case !tt.serve:
				if status != http.StatusMisdirectedRequest || !strings.HasPrefix(ctype, "text/plain") ||
					!strings.HasPrefix(body, "misdirected request:") {
					t.Errorf("%s %s with Host %q = %d %q %.80q, want 421 with the plain-text reason", e.method, e.target, tt.host, status, ctype, body)
				}
				for _, leak := range []string{"wire", "acme", "Acme", "hostile", "\x00"} {
					if strings.Contains(body, leak) {
						t.Errorf("%s %s with Host %q leaks %q: %.80q", e.method, e.target, tt.host, leak, body)
					}
				}
				if ran != 0 {
					t.Errorf("%s %s with Host %q ran %d backups, want none", e.method, e.target, tt.host, ran)
				}
			}
		}
	}

	// The probes reveal nothing and are exempt: a container health check
	// may name the service or the pod IP.
	for _, target := range []string{"/healthz", "/readyz"} {
		if status, _, body := send(t, addr, http.MethodGet, target, "newshound-svc:"+port); status != http.StatusOK {
			t.Errorf("GET %s with Host newshound-svc = %d %q, want 200", target, status, body)
		}
	}
}

// TestItem37_HostWithAuth: with auth the credentials are the guard and
// any name is served (a server on every interface is reached by names
// it cannot know); without them the answer is 401 as before.
func TestItem37_HostWithAuth(t *testing.T) {
	f := newFixture(t)
	addr, _ := listening(t, f, Auth{Bearer: "s3cret-token-0123456789"})
	if status, _, body := send(t, addr, http.MethodGet, "/api/v1/sources", "newshound.example:8080",
		"Authorization", "Bearer s3cret-token-0123456789"); status != http.StatusOK {
		t.Errorf("GET /api/v1/sources with auth under another name = %d %q, want 200", status, body)
	}
	if status, _, body := send(t, addr, http.MethodGet, "/api/v1/sources", "attacker.example"); status != http.StatusUnauthorized ||
		strings.Contains(body, "wire") {
		t.Errorf("GET /api/v1/sources without credentials under another name = %d %q, want 401", status, body)
	}
}

func TestLocalHost(t *testing.T) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	lan := &net.TCPAddr{IP: net.IPv4(192, 168, 1, 10), Port: 8080}
	tests := []struct {
		host  string
		local net.Addr
		want  bool
	}{
		{"localhost:8080", local, true},
		{"LocalHost:8080", local, true},
		{"localhost", local, true},
		{"127.0.0.1:8080", local, true},
		{"127.1.2.3:8080", local, true},
		{"[::1]:8080", local, true},
		{"[::1]", local, true},
		{"::1", local, true},
		{"localhost:08080", local, true},
		{"localhost:8081", local, false},
		{"localhost:http", local, false},
		{"localhost:99999", local, false},
		{"", local, false},
		{":8080", local, false},
		{"[::1%25lo]:8080", local, false},
		{"[fe80::1%lo]:8080", local, false},
		{"localhost.", local, false},
		{"a.localhost:8080", local, false},
		{"attacker.example:8080", local, false},
		{"0.0.0.0:8080", local, false},
		{"192.168.1.10:8080", local, false},
		{"192.168.1.10:8080", lan, true}, // the listen address itself
		{"192.168.1.11:8080", lan, false},
		{"localhost:1234", nil, true}, // port unknown without a connection
		{"attacker.example", nil, false},
	}
	for _, tt := range tests {
		if got := localHost(tt.host, tt.local); got != tt.want {
			t.Errorf("localHost(%q, %v) = %v, want %v", tt.host, tt.local, got, tt.want)
		}
	}
}

// TestItem38_CrossSiteBackup runs cross-site request forgery against
// POST /api/v1/backup (RELIABILITY.md item 38): a foreign page makes the
// browser post, with the basic credentials it has cached for the
// server. Every such request gets 403 and no backup runs; the command
// line's request (RequestHeader, no Origin) and a same-origin one work.
func TestItem38_CrossSiteBackup(t *testing.T) {
	const user, password = "ops", "correct-horse-battery"
	for _, auth := range []Auth{{}, {User: user, Password: password}} {
		f := newFixture(t)
		addr, backups := listening(t, f, auth)
		self := "http://" + addr
		tests := []struct {
			name   string
			header []string
			want   int
		}{
			{"foreign Origin", []string{RequestHeader, "1", "Origin", "https://evil.example"}, http.StatusForbidden},
			{"foreign Origin, same port", []string{RequestHeader, "1", "Origin", "http://evil.example:" + addr[strings.LastIndex(addr, ":")+1:]}, http.StatusForbidden},
			{"null Origin", []string{RequestHeader, "1", "Origin", "null", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
			{"Sec-Fetch-Site cross-site", []string{RequestHeader, "1", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
			{"Sec-Fetch-Site same-site", []string{RequestHeader, "1", "Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
			{"form post", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusForbidden},
			{"text/plain, no header", []string{"Content-Type", "text/plain"}, http.StatusForbidden},
			{"same origin without the header", []string{"Origin", self, "Sec-Fetch-Site", "same-origin"}, http.StatusForbidden},
			{"empty header", []string{RequestHeader, ""}, http.StatusForbidden},
			{"command line", []string{RequestHeader, "1"}, http.StatusOK},
			{"same origin", []string{RequestHeader, "1", "Origin", self, "Sec-Fetch-Site", "same-origin"}, http.StatusOK},
			{"typed by the user", []string{RequestHeader, "1", "Sec-Fetch-Site", "none"}, http.StatusOK},
		}
		for _, tt := range tests {
			header := tt.header
			if auth.Enabled() {
				header = append(header, "Authorization", basic(user, password))
			}
			before := backups.Load()
			status, _, body := send(t, addr, http.MethodPost, "/api/v1/backup", addr, header...)
			ran := backups.Load() - before
			if status != tt.want {
				t.Errorf("auth %v, %s: POST /api/v1/backup = %d %.80q, want %d", auth.Enabled(), tt.name, status, body, tt.want)
			}
			wantRuns := int32(0)
			if tt.want == http.StatusOK {
				wantRuns = 1
			}
			if ran != wantRuns {
				t.Errorf("auth %v, %s: %d backups ran, want %d", auth.Enabled(), tt.name, ran, wantRuns)
			}
		}
		// Reading stays open to links from other sites: a GET changes
		// nothing, and a foreign page cannot read the answer.
		if status, _, _ := send(t, addr, http.MethodGet, "/", addr, "Sec-Fetch-Site", "cross-site",
			"Authorization", basic(user, password)); status != http.StatusOK {
			t.Errorf("auth %v: GET / from a link on another site = %d, want 200", auth.Enabled(), status)
		}
	}
}
