// Package httpx holds the few HTTP rules that layers which may not import
// each other share: reading a Retry-After header (the crawler and the
// notifiers) and telling whether a listen address binds loopback only
// (the config's listen_auth rule and the web server). It imports nothing
// of newshound, so every package may import it.
package httpx

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After header value, delay-seconds or an
// HTTP date, relative to now, and returns a delay from 0 to limit: an
// absent, unreadable, negative or past value gives 0, and a larger one,
// however many digits it has, gives limit (a typo or a hostile server
// must not silence a source or a channel for a year).
func ParseRetryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(limit/time.Second) {
			return limit
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}

// IsLoopbackHost reports whether host names this machine's loopback
// interface: "localhost" in any case, or an IP address in 127.0.0.0/8 or
// ::1, IPv4-mapped forms included, with or without brackets and an IPv6
// zone. Any other name is not loopback, whatever it resolves to today
// (DNS could lie), nor is "" or an unspecified address (0.0.0.0, ::),
// which binds every interface.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i] // a zone does not change loopback-ness
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
