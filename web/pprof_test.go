package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestPprof: the profiles are served only when asked for and behind
// authentication; asked for without auth they stay unrouted.
func TestPprof(t *testing.T) {
	f := newFixture(t)
	build := func(auth Auth, pprof bool) http.Handler {
		return New(Options{Backend: f.backend, Auth: auth, Pprof: pprof, Now: f.clock.Now, Logger: discardLogger()}).Handler()
	}
	tests := []struct {
		name   string
		h      http.Handler
		target string
		authz  string
		want   int
	}{
		{"off, with auth", build(Auth{Bearer: "tok"}, false), "/debug/pprof/", "Bearer tok", http.StatusNotFound},
		{"off, no auth", build(Auth{}, false), "/debug/pprof/", "", http.StatusNotFound},
		{"on without auth stays off", build(Auth{}, true), "/debug/pprof/", "", http.StatusNotFound},
		{"on without auth, a profile", build(Auth{}, true), "/debug/pprof/goroutine?debug=1", "", http.StatusNotFound},
		{"on, credentials", build(Auth{Bearer: "tok"}, true), "/debug/pprof/", "Bearer tok", http.StatusOK},
		{"on, a profile", build(Auth{Bearer: "tok"}, true), "/debug/pprof/goroutine?debug=1", "Bearer tok", http.StatusOK},
		{"on, cmdline", build(Auth{Bearer: "tok"}, true), "/debug/pprof/cmdline", "Bearer tok", http.StatusOK},
		{"on, no credentials", build(Auth{Bearer: "tok"}, true), "/debug/pprof/", "", http.StatusUnauthorized},
		{"on, wrong credentials", build(Auth{Bearer: "tok"}, true), "/debug/pprof/heap", "Bearer nope", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		resp := get(t, tc.h, tc.target, "Authorization", tc.authz)
		b := body(t, resp)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: GET %s = %d, want %d", tc.name, tc.target, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusOK && strings.HasSuffix(tc.target, "/goroutine?debug=1") && !strings.Contains(b, "goroutine") {
			t.Errorf("%s: GET %s body lacks the goroutine profile: %.200q", tc.name, tc.target, b)
		}
	}
}
