package notifytest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// StallingServer starts an HTTP receiver that accepts every request and
// never answers: its handler waits until the client gives up (the request
// context ends). It tests per-attempt timeouts; it is closed at cleanup.
func StallingServer(t testing.TB) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	// Cleanups run last-in first-out: release the handlers, then Close,
	// which waits for them.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

// SilentListener listens on 127.0.0.1, accepts every connection and never
// writes a byte: an SMTP server that never sends its greeting. It returns
// the host:port; everything is closed at cleanup.
func SilentListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at cleanup
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
