package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// daemonAtEnv, "host:port=ip:port" in a child process (childEnv), makes
// the daemon client dial ip:port when it dials host:port, like a hosts
// file entry: the child's listen can then name a host no resolver knows
// but a proxy would gladly take. Every other address is dialled as it
// is, so a proxy is still reached if the client picks one.
const daemonAtEnv = "NEWSHOUND_TEST_DAEMON_AT"

func init() {
	if name, at, ok := strings.Cut(os.Getenv(daemonAtEnv), "="); ok {
		dial := dialDaemon
		dialDaemon = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == name {
				addr = at
			}
			return dial(ctx, network, addr)
		}
	}
}

// TestItem39_DaemonClientHasNoProxy: the one constructor of the daemon
// client builds its own transport without a proxy, for a backup (no
// overall timeout) as for alerts (RELIABILITY.md item 39). An
// http.Client without a Transport would use http.DefaultTransport, which
// honours HTTP_PROXY.
func TestItem39_DaemonClientHasNoProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	for _, listen := range []string{"127.0.0.1:8080", "[::]:8080", "newshound.example:8080"} {
		for _, timeout := range []time.Duration{0, apiTimeout} {
			c, err := newDaemonClient(&config.Config{Listen: listen}, timeout)
			if err != nil {
				t.Fatalf("newDaemonClient(%q) = %v", listen, err)
			}
			tr, ok := c.http.Transport.(*http.Transport)
			if !ok || tr.Proxy != nil {
				t.Errorf("newDaemonClient(%q, %v) transport = %T (proxy set: %v), want an *http.Transport without Proxy",
					listen, timeout, c.http.Transport, ok && tr.Proxy != nil)
			}
			if c.http.Timeout != timeout {
				t.Errorf("newDaemonClient(%q, %v) timeout = %v, want %v", listen, timeout, c.http.Timeout, timeout)
			}
		}
	}
}

// TestItem39_CommandsIgnoreProxy runs `alerts` and `backup` as real
// processes with HTTP_PROXY and HTTPS_PROXY pointing at a recording
// proxy, against a daemon (the real web server) that requires a bearer
// token and is configured under a host name. A name, not 127.0.0.1:
// Go's proxy rule never proxies loopback addresses or "localhost", so only
// a name shows whether the client consults the environment at all (the
// control below checks that this environment sends the name to the
// proxy). A process, not run(): net/http reads the proxy variables once
// per process. The proxy must receive nothing; the daemon must receive
// every request, with the token (RELIABILITY.md item 39).
func TestItem39_CommandsIgnoreProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	const token = "0123456789abcdef-proxy-token"
	_, dbPath := alertsWorld(t, "")
	held, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	var mu sync.Mutex
	var proxied, served []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proxied = append(proxied, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "proxy", http.StatusBadGateway)
	}))
	defer proxy.Close()
	daemonHandler := web.New(web.Options{Backend: storeBackend{held}, Auth: web.Auth{Bearer: token}, Backup: held.Backup}).Handler()
	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		daemonHandler.ServeHTTP(w, r)
	}))
	defer daemon.Close()

	_, port, _ := net.SplitHostPort(daemon.Listener.Addr().String())
	name := net.JoinHostPort("daemon.newshound.test", port)
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		t.Setenv(v, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	// Control: with this environment, net/http's rule sends the daemon's
	// URL to the proxy.
	daemonURL, _ := url.Parse("http://" + name + apiAlertsPath)
	if via, err := httpproxy.FromEnvironment().ProxyFunc()(daemonURL); err != nil || via == nil || via.Host != proxy.Listener.Addr().String() {
		t.Fatalf("the proxy environment sends %s via %v (err %v), want via %s: the test would prove nothing", daemonURL, via, err, proxy.URL)
	}

	cfg := writeAlertsConfig(t, dbPath, fmt.Sprintf("listen: %s\nlisten_auth: {bearer: %s}", name, token))
	out := filepath.Join(t.TempDir(), "backup.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"alerts", "--config", cfg, "--json"},
		{"backup", "--config", cfg, out},
	} {
		mu.Lock()
		proxied, served = nil, nil
		mu.Unlock()
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), childEnv+"=1", daemonAtEnv+"="+name+"="+daemon.Listener.Addr().String())
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		mu.Lock()
		gotProxied, gotServed := slices.Clone(proxied), slices.Clone(served)
		mu.Unlock()
		if err != nil {
			t.Errorf("newshound %s = %v, stderr %q; want success", args[0], err, stderr.String())
		}
		if len(gotProxied) > 0 {
			t.Errorf("newshound %s sent %q to the proxy, want nothing", args[0], gotProxied)
		}
		if len(gotServed) == 0 {
			t.Errorf("newshound %s: the daemon received nothing", args[0])
		}
		for _, r := range gotServed {
			if !strings.HasSuffix(r, " auth=Bearer "+token) {
				t.Errorf("newshound %s: the daemon received %q, want the bearer token", args[0], r)
			}
		}
	}
	if n := alertCount(t, out); n != 5 {
		t.Errorf("backup through the daemon holds %d alerts, want 5", n)
	}
}
