package metrics

import (
	"context"
	"errors"
	"net"
)

// KindForStatus maps an HTTP status outside 2xx to its error kind:
// http_4xx, http_5xx, or other for anything else (1xx, 3xx, nonsense).
func KindForStatus(code int) FetchErrorKind {
	switch {
	case code >= 400 && code < 500:
		return ErrHTTP4xx
	case code >= 500 && code < 600:
		return ErrHTTP5xx
	default:
		return ErrOtherKind
	}
}

// ClassifyTransport classifies an error that carries no HTTP status:
// timeout for a deadline (the context's or a net.Error's), network for
// other net errors (DNS, refused, reset, TLS handshake), other for the
// rest. The daemon checks its own kinds first (an HTTP status, robots,
// parse) and falls back to this; the package has no view of the
// crawler's error types, which keeps it free of the crawler's imports.
func ClassifyTransport(err error) FetchErrorKind {
	if err == nil {
		return NoError
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return ErrTimeout
		}
		return ErrNetwork
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return ErrNetwork
	}
	return ErrOtherKind
}
