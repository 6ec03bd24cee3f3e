package web

import (
	"net/http"
	"net/http/pprof"
)

// routePprof adds the net/http/pprof handlers under /debug/pprof/ to mux.
// The profiles show goroutine stacks, allocation sites and the command
// line, so they are served only behind authentication: the config
// refuses metrics: {pprof: true} without listen_auth, and New routes
// them only when Auth is enabled as well.
func routePprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // the named profiles: heap, goroutine, allocs, ...
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
