package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/robfig/cron/v3"

	"github.com/newshound/newshound/internal/httpx"
)

// Messages shared by several rules.
const (
	msgRequired = "required"
	msgEmpty    = "must not be empty"
	msgPositive = "must be greater than zero"
	msgControl  = "must not contain control characters"
	msgName     = "must match [A-Za-z0-9._-]+"
	msgHTTP     = "must be an absolute http or https URL"
	msgHTTPS    = "must be an absolute https URL (http only for loopback hosts)"
	msgHostPort = "must be host:port"
	msgTLS      = "must be starttls, tls or none"
)

// validName reports whether s is a valid source, watch or notifier name:
// [A-Za-z0-9._-]+. Names end up in logs, alert payloads and mail headers,
// so they are kept to characters that need no escaping anywhere.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '_' && c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// hasControl reports whether s holds an ASCII control character, which
// would let a header value (the User-Agent) smuggle in another header.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// isHTTPURL reports whether s is an absolute http(s) URL with a host. With
// httpsOnly, plain http is accepted for loopback hosts only (test servers).
func isHTTPURL(s string, httpsOnly bool) bool {
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return !httpsOnly || httpx.IsLoopbackHost(u.Hostname())
	}
	return false
}

// isHostPort reports whether s is host:port with a non-empty host and a
// port in 1-65535.
func isHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// checkAddress returns a message when s is not an RFC 5322 address.
func checkAddress(s string) string {
	if _, err := mail.ParseAddress(s); err != nil {
		return "invalid address: " + strings.TrimPrefix(err.Error(), "mail: ")
	}
	return ""
}

// checkSelector returns a message when s is not a CSS selector group as
// goquery (through cascadia) will compile it.
func checkSelector(s string) string {
	if _, err := cascadia.ParseGroup(s); err != nil {
		return "invalid CSS selector: " + err.Error()
	}
	return ""
}

// scheduleRef is the fixed instant from which a schedule must fire within
// cron's five-year horizon; the years 2000-2004 hold two 29 Februaries.
var scheduleRef = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkSchedule returns a message when spec is not a schedule the
// scheduler can run. It uses the scheduler's own parser, cron.ParseStandard,
// and adds what that parser lets through: a time zone with nothing after
// it (which makes the parser panic), "@every" with a duration that is not
// positive (silently run every second), and dates that never occur
// ("0 0 30 2 *").
func checkSchedule(spec string) string {
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return "invalid schedule: nothing after the time zone"
	}
	sched, err := parseCron(spec)
	if err != nil {
		return "invalid schedule: " + err.Error()
	}
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		i := strings.Index(spec, "@every ")
		if d, err := time.ParseDuration(spec[i+len("@every "):]); err != nil || d <= 0 {
			return "invalid schedule: @every needs a positive duration"
		}
		return ""
	}
	if sched.Next(scheduleRef).IsZero() {
		return "invalid schedule: never fires"
	}
	return ""
}

// parseCron is cron.ParseStandard turned panic-free: configuration is
// untrusted input, and a reload must not take the daemon down.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("unparseable")
		}
	}()
	return cron.ParseStandard(spec)
}
