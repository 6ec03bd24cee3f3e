package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestHealthAndReady(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{}).Handler()
	if resp := get(t, h, "/healthz"); resp.StatusCode != http.StatusOK || body(t, resp) != "ok\n" {
		t.Errorf("GET /healthz = %d, want 200 ok", resp.StatusCode)
	}
	if resp := get(t, h, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /readyz when ready = %d, want 200", resp.StatusCode)
	}
	f.backend.ready = errors.New("scheduler not started\nsecond line")
	resp := get(t, h, "/readyz")
	if b := body(t, resp); resp.StatusCode != http.StatusServiceUnavailable || b != "not ready: scheduler not started second line\n" {
		t.Errorf("GET /readyz when not ready = %d %q, want 503 with the reason on one line", resp.StatusCode, b)
	}
	if resp := get(t, h, "/metrics"); resp.StatusCode != http.StatusOK || body(t, resp) != "# metrics\n" {
		t.Errorf("GET /metrics = %d, want the metrics handler", resp.StatusCode)
	}
	noMetrics := New(Options{Backend: f.backend, Logger: discardLogger()})
	if resp := get(t, noMetrics.Handler(), "/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics without a handler = %d, want 404", resp.StatusCode)
	}
}

var allEndpoints = []string{
	"/", "/healthz", "/readyz", "/metrics", "/api/v1/alerts", "/api/v1/sources",
	"/watches/acme.atom", "/static/style.css", "/nothing",
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	h := f.server(t, Auth{Bearer: "tok"}).Handler()
	for _, target := range allEndpoints {
		for _, authz := range []string{"", "Bearer tok"} {
			resp := get(t, h, target, "Authorization", authz)
			for key, want := range map[string]string{
				"Content-Security-Policy": contentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			} {
				if got := resp.Header.Get(key); got != want {
					t.Errorf("GET %s (auth %q) %s = %q, want %q", target, authz, key, got, want)
				}
			}
		}
	}
	for _, part := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"} {
		if !strings.Contains(contentSecurityPolicy, part) {
			t.Errorf("Content-Security-Policy lacks %q", part)
		}
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name      string
		auth      Auth
		authz     string
		wantOK    bool
		challenge string
	}{
		{"bearer, none given", Auth{Bearer: "s3cret"}, "", false, `Bearer realm="newshound"`},
		{"bearer, right", Auth{Bearer: "s3cret"}, "Bearer s3cret", true, ""},
		{"bearer, scheme case", Auth{Bearer: "s3cret"}, "bearer s3cret", true, ""},
		{"bearer, wrong", Auth{Bearer: "s3cret"}, "Bearer s3creT", false, `Bearer realm="newshound"`},
		{"bearer, prefix", Auth{Bearer: "s3cret"}, "Bearer s3cre", false, ""},
		{"bearer, empty token", Auth{Bearer: "s3cret"}, "Bearer ", false, ""},
		{"bearer, as basic", Auth{Bearer: "s3cret"}, basic("s3cret", ""), false, ""},
		{"basic, right", Auth{User: "ops", Password: "pw"}, basic("ops", "pw"), true, ""},
		{"basic, wrong password", Auth{User: "ops", Password: "pw"}, basic("ops", "pW"), false, `Basic realm="newshound", charset="UTF-8"`},
		{"basic, wrong user", Auth{User: "ops", Password: "pw"}, basic("op", "pw"), false, ""},
		{"basic, none given", Auth{User: "ops", Password: "pw"}, "", false, `Basic realm="newshound", charset="UTF-8"`},
		{"both, bearer", Auth{Bearer: "t", User: "ops", Password: "pw"}, "Bearer t", true, ""},
		{"both, basic", Auth{Bearer: "t", User: "ops", Password: "pw"}, basic("ops", "pw"), true, ""},
		{"both, wrong", Auth{Bearer: "t", User: "ops", Password: "pw"}, basic("ops", "t"), false, `Bearer realm="newshound"`},
		{"off", Auth{}, "", true, ""},
	} {
		h := f.server(t, tt.auth).Handler()
		for _, target := range allEndpoints {
			resp := get(t, h, target, "Authorization", tt.authz)
			b := body(t, resp)
			switch {
			case target == "/healthz":
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: GET /healthz = %d, want 200 without auth", tt.name, resp.StatusCode)
				}
			case tt.wantOK && resp.StatusCode == http.StatusUnauthorized:
				t.Errorf("%s: GET %s = 401, want access", tt.name, target)
			case !tt.wantOK:
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: GET %s = %d, want 401", tt.name, target, resp.StatusCode)
				}
				challenges := resp.Header.Values("WWW-Authenticate")
				if len(challenges) == 0 || (tt.challenge != "" && !contains(challenges, tt.challenge)) {
					t.Errorf("%s: GET %s WWW-Authenticate = %q, want %q", tt.name, target, challenges, tt.challenge)
				}
				for _, secret := range []string{"s3cret", "pw"} {
					if strings.Contains(b, secret) || strings.Contains(strings.Join(challenges, " "), secret) {
						t.Errorf("%s: 401 response reveals the secret", tt.name)
					}
				}
			}
		}
	}
}

func basic(user, password string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, password)
	return req.Header.Get("Authorization")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRequiresAuth(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", false},
		{"127.0.0.53:8080", false},
		{"[::1]:8080", false},
		{"localhost:8080", false},
		{"LocalHost:8080", false},
		{"localhost.:8080", true},
		{"localhost", false},
		{"::1", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[fe80::1%lo]:80", true},
		{":8080", true},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"192.168.1.10:8080", true},
		{"10.0.0.1:8080", true},
		{"203.0.113.7:8080", true},
		{"[2001:db8::1]:8080", true},
		{"newshound.example:8080", true},
		{"localhost.example:8080", true},
		{"", true},
	} {
		if got := RequiresAuth(tt.addr); got != tt.want {
			t.Errorf("RequiresAuth(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// Serve answers until its context ends, then returns nil.
func TestServeShutsDown(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.server(t, Auth{}).Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(b) != "ok\n" {
		t.Errorf("GET /healthz over TCP = %q, want ok", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel = %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Errorf("GET after shutdown succeeded, want the listener closed")
	}
}

// Serve reports a listener that fails.
func TestServeListenerError(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	if err := f.server(t, Auth{}).Serve(context.Background(), ln); err == nil {
		t.Errorf("Serve on a closed listener = nil, want an error")
	}
}
