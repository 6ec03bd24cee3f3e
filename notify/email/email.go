// Package email delivers alerts by SMTP, using github.com/wneessen/go-mail.
//
// # The message
//
// Each alert is one multipart/alternative message with a plain-text part
// and an HTML part rendered by html/template, so every web-controlled
// string is escaped and a non-http(s) article URL is neither linked nor
// shown. The subject is "[newshound] <watch>: <title>" with control
// characters and line breaks replaced by spaces before go-mail MIME-encodes
// it, so a title cannot add a header. From and To come only from the
// configuration. Both parts carry a "Fired:" line naming the query branch
// or term that fired, and quote the snippet with its hits marked: « » in
// the text part, <mark> in the HTML part. The HTML snippet is rendered
// piece by piece by the template, each piece escaped like any other
// string; no untrusted text is ever passed as template.HTML.
//
// The Message-ID is derived from the alert id (<id@newshound>), so a retry
// after a lost connection carries the same id and the recipient's mail
// system or client can drop the repeat. The Date comes from the injected
// clock.
//
// # Time limits
//
// go-mail's WithTimeout bounds the dial and, as a connection deadline
// renewed before each command, the greeting and every command: a server
// that accepts and never greets fails after the timeout. The caller's
// context is honoured too: when it ends, the connection is closed, which
// aborts whatever exchange is in progress.
//
// # Outcome
//
// An SMTP 4xx reply (greylisting, full mailbox, rate limit) is retryable;
// a 5xx reply (unknown recipient, rejected content, failed
// authentication) is permanent. Connection errors, timeouts and anything
// unrecognised are retryable: nothing is dead-lettered unless a server
// said no for good. Delivery is confirmed by the 250 after DATA; a failure
// of the RSET or QUIT that follow does not turn it into a failure.
//
// # Credentials
//
// The password is sent only over TLS (tls or starttls), except to a
// loopback host with tls "none", which New allows for local relays and
// tests. It never appears in errors.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net"
	"net/mail"
	"strconv"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/newshound/newshound/news"
)

// DefaultTimeout bounds the dial, the greeting and each SMTP command when
// WithTimeout is not given.
const DefaultTimeout = 30 * time.Second

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; required
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption; auth only to loopback hosts
)

// Config is one SMTP route. Password is a secret.
type Config struct {
	Addr     string // host:port
	TLS      string // TLSStartTLS (default when empty), TLSImplicit or TLSNone
	Username string // empty: no authentication
	Password string
	From     string
	To       []string
}

// Option customises a Notifier.
type Option func(*Notifier)

// WithNow sets the clock used for the Date header.
func WithNow(now func() time.Time) Option {
	return func(n *Notifier) { n.now = now }
}

// WithTimeout bounds the dial, the greeting and each SMTP command.
func WithTimeout(d time.Duration) Option {
	return func(n *Notifier) { n.timeout = d }
}

// WithTLSConfig sets the TLS configuration (for example a private CA).
// It is cloned; ServerName defaults to the host of Addr.
func WithTLSConfig(c *tls.Config) Option {
	return func(n *Notifier) { n.tlsConfig = c.Clone() }
}

// Notifier sends alerts through one SMTP server. It opens one connection
// per alert and is safe for concurrent use.
type Notifier struct {
	host      string
	port      int
	mode      string
	username  string
	password  string
	from      *mail.Address
	to        []*mail.Address
	now       func() time.Time
	timeout   time.Duration
	tlsConfig *tls.Config
	html      *htmltemplate.Template
	text      *texttemplate.Template
}

// New validates cfg and returns a Notifier. Its errors never contain the
// password.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	n := &Notifier{
		mode:     cfg.TLS,
		username: cfg.Username,
		password: cfg.Password,
		now:      time.Now,
		timeout:  DefaultTimeout,
		html:     htmltemplate.Must(htmltemplate.New("html").Parse(htmlBody)),
		text:     texttemplate.Must(texttemplate.New("text").Parse(textBody)),
	}
	if err := n.parseAddr(cfg.Addr); err != nil {
		return nil, err
	}
	if err := n.parseMode(); err != nil {
		return nil, err
	}
	if err := n.parseAddresses(cfg.From, cfg.To); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		opt(n)
	}
	if n.tlsConfig == nil {
		n.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if n.tlsConfig.ServerName == "" {
		n.tlsConfig.ServerName = n.host
	}
	return n, nil
}

func (n *Notifier) parseAddr(addr string) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("smtp addr: %w", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return fmt.Errorf("smtp addr %q: want host:port", addr)
	}
	n.host, n.port = host, port
	return nil
}

func (n *Notifier) parseMode() error {
	switch n.mode {
	case "":
		n.mode = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("smtp tls %q: want %q, %q or %q", n.mode, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if n.mode == TLSNone && n.username != "" && !isLoopback(n.host) {
		return fmt.Errorf("smtp: refusing to send credentials unencrypted to %s; use tls or starttls", n.host)
	}
	return nil
}

func (n *Notifier) parseAddresses(from string, to []string) error {
	var err error
	if n.from, err = mail.ParseAddress(from); err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if len(to) == 0 {
		return errors.New("smtp to: no recipients")
	}
	for i, s := range to {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return fmt.Errorf("smtp to[%d]: %w", i, err)
		}
		n.to = append(n.to, a)
	}
	return nil
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP literal. Other names are not resolved: DNS could lie.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Notify sends one alert. See the package documentation for the outcome.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	msg, err := n.message(a)
	if err != nil {
		return false, fmt.Errorf("build e-mail for alert %s: %w", a.ID, err)
	}
	var conn connGuard
	defer conn.close()
	client, err := gomail.NewClient(n.host, n.clientOptions(ctx, &conn)...)
	if err != nil {
		return false, n.scrub(fmt.Errorf("configure smtp client: %w", err))
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return n.failure(ctx, "connect to smtp server", err)
	}
	// QUIT's outcome does not matter once the server accepted or refused
	// the message; the connection is closed either way.
	defer func() { _ = client.CloseWithSMTPClient(sc) }()
	if err := client.SendWithSMTPClient(sc, msg); err != nil && !msg.IsDelivered() {
		return n.failure(ctx, "send mail", err)
	}
	return false, nil
}
