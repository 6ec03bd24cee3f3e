package notifytest

import (
	"testing"

	"github.com/newshound/newshound/internal/testreceiver"
)

// StallingServer starts an HTTP receiver that accepts every request and
// never answers: its handler waits until the client gives up (the request
// context ends). It tests per-attempt timeouts; it is closed at cleanup.
func StallingServer(t testing.TB) *testreceiver.HTTP {
	t.Helper()
	return testreceiver.NewHTTP(t, nil, testreceiver.Always(testreceiver.Answer{Stall: true}))
}

// SilentListener listens on 127.0.0.1, accepts every connection and never
// writes a byte: an SMTP server that never sends its greeting. It returns
// the host:port; everything is closed at cleanup.
func SilentListener(t testing.TB) string {
	t.Helper()
	ss := testreceiver.NewSMTP(t, 0)
	ss.HoldAll(true)
	return ss.Addr
}
