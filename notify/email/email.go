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
// # Digests and templates
//
// NotifyDigest sends up to MaxDigest alerts as one message: the subject
// "[newshound] 12 alerts: watchA (7), watchB (5)" (sanitized like any
// subject, the list bounded), and text and HTML parts with one section
// per watch listing its alerts as single messages show them, hits
// marked. Its Message-ID is <dg_…@newshound>, from news.DigestID of the
// alerts, so a retry of the same chunk carries the same id. With
// Config.Template set (kind tmpl.HTML), the template renders the HTML
// part of single and digest messages; the text part stays built in. A
// template that fails to render is a permanent failure.
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
// of the QUIT that follows does not turn it into a failure. Test sends
// like Notify and returns that reply, code and text.
//
// # Refused recipients
//
// One message goes to every configured recipient in one transaction,
// and each RCPT TO reply is read on its own, so one departed or
// mistyped address does not cost the others their alert:
//
//   - every recipient accepted: delivered;
//   - some refused for good (5xx), none for now, at least one accepted:
//     the message goes, in the same transaction (RFC 5321 allows DATA
//     after refused RCPTs), to the accepted ones only, and the send
//     counts as delivered. A Warn line on the logger (WithLogger) names
//     the refused addresses with the server's replies, and Test's answer
//     lists them;
//   - every recipient refused for good: permanent, the reason quoting
//     each reply;
//   - any recipient refused for now (4xx): nothing is sent and the whole
//     message is retryable, to everyone; greylisting applies to the
//     whole transaction, and a retry to all is what the recipients need.
//
// The To: header keeps every configured address either way: the headers
// of a message do not depend on which recipients a server refused that
// day (the envelope decides who gets it, as for Bcc), and a recipient can
// see who else should have had it and tell the operator.
// go-mail's own Send would abort the whole message on one refused RCPT
// and not say which recipient failed, so the transaction is run on
// go-mail's connected client by this package (see transact); go-mail
// still dials, negotiates TLS, authenticates and writes the message.
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
	"log/slog"
	"net"
	"net/mail"
	"strconv"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/newshound/newshound/internal/httpx"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/tmpl"
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
	// Template, when set, renders the HTML part of every message (single
	// and digest) instead of the built-in one; it must be of kind
	// tmpl.HTML. The text part stays the built-in one.
	Template *tmpl.Template
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

// WithLogger sets the logger for what is worth an operator's attention
// but is no failure: recipients the server refused while the message
// went to the others. The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(n *Notifier) {
		if l != nil {
			n.log = l
		}
	}
}

// WithTLSConfig sets the TLS configuration (for example a private CA).
// It is cloned; ServerName defaults to the host of Addr.
func WithTLSConfig(c *tls.Config) Option {
	return func(n *Notifier) { n.tlsConfig = c.Clone() }
}

// Notifier sends alerts through one SMTP server. It opens one connection
// per alert and is safe for concurrent use.
type Notifier struct {
	host       string
	port       int
	mode       string
	username   string
	password   string
	from       *mail.Address
	to         []*mail.Address
	now        func() time.Time
	timeout    time.Duration
	tlsConfig  *tls.Config
	html       *htmltemplate.Template
	text       *texttemplate.Template
	digestHTML *htmltemplate.Template
	digestText *texttemplate.Template
	template   *tmpl.Template // nil: the built-in HTML part
	log        *slog.Logger
	redact     notify.Redactor // the credentials in every form AUTH sends them
}

// New validates cfg and returns a Notifier. Its errors never contain the
// password.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	n := &Notifier{
		mode:       cfg.TLS,
		username:   cfg.Username,
		password:   cfg.Password,
		now:        time.Now,
		timeout:    DefaultTimeout,
		html:       htmltemplate.Must(htmltemplate.New("html").Parse(htmlBody)),
		text:       texttemplate.Must(texttemplate.New("text").Parse(textBody)),
		digestHTML: htmltemplate.Must(htmltemplate.New("digest.html").Parse(digestHTMLBody)),
		digestText: texttemplate.Must(texttemplate.New("digest.text").Parse(digestTextBody)),
		template:   cfg.Template,
		log:        slog.Default(),
		redact:     notify.NewRedactor(authSecrets(cfg.Username, cfg.Password)...),
	}
	if cfg.Template != nil && cfg.Template.Kind() != tmpl.HTML {
		return nil, fmt.Errorf("e-mail template must be of kind %v, not %v", tmpl.HTML, cfg.Template.Kind())
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
	if n.mode == TLSNone && n.username != "" && !httpx.IsLoopbackHost(n.host) {
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

// Notify sends one alert. See the package documentation for the outcome.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	msg, err := n.message(a)
	if err != nil {
		return false, fmt.Errorf("build e-mail for alert %s: %w", a.ID, err)
	}
	_, retryable, err = n.send(ctx, msg)
	return retryable, err
}

// NotifyDigest sends up to MaxDigest alerts as one message with one
// section per watch (see digestMessage).
func (n *Notifier) NotifyDigest(ctx context.Context, alerts []news.Alert) (retryable bool, err error) {
	msg, err := n.digestMessage(alerts)
	if err != nil {
		return false, fmt.Errorf("build e-mail digest: %w", err)
	}
	_, retryable, err = n.send(ctx, msg)
	return retryable, err
}

// Test sends a like Notify and returns the server's reply to the final
// dot of DATA, code and text ("250 2.0.0 OK: queued as 1234"), and, when
// the server refused some recipients and the message went to the others,
// a second line naming each refused one with the server's reply. On
// failure answer is empty and the error carries the server's reply.
func (n *Notifier) Test(ctx context.Context, a news.Alert) (answer string, retryable bool, err error) {
	msg, err := n.message(a)
	if err != nil {
		return "", false, fmt.Errorf("build e-mail for alert %s: %w", a.ID, err)
	}
	return n.send(ctx, msg)
}

// send delivers msg over a fresh connection and returns the server's
// answer to the final dot, followed, when the server refused some
// recipients and the message went to the others, by a line naming them
// with the server's replies. Such a partial delivery is a delivery: it
// is logged as a warning, so the operator can fix the list.
func (n *Notifier) send(ctx context.Context, msg *gomail.Msg) (answer string, retryable bool, err error) {
	var conn connGuard
	defer conn.close()
	client, err := gomail.NewClient(n.host, n.clientOptions(ctx, &conn)...)
	if err != nil {
		return "", false, n.scrub(fmt.Errorf("configure smtp client: %w", err))
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		retryable, err = n.failure(ctx, "connect to smtp server", err)
		return "", retryable, err
	}
	// QUIT's outcome does not matter once the server accepted or refused
	// the message; the connection is closed either way.
	defer func() { _ = client.CloseWithSMTPClient(sc) }()
	answer, refused, err := n.transact(sc, msg)
	if err != nil {
		retryable, err = n.failure(ctx, "send mail", err)
		return "", retryable, err
	}
	answer = n.scrubString(answer)
	if len(refused) > 0 {
		list := n.scrubString(refused.String())
		n.log.Warn("e-mail server refused recipients; sent to the others",
			"server", n.server(), "message_id", msg.GetMessageID(), "refused", list)
		answer += "\nnot sent to (refused at RCPT TO): " + list
	}
	return answer, false, nil
}

// server is host:port, as errors and log lines name the server.
func (n *Notifier) server() string {
	return net.JoinHostPort(n.host, strconv.Itoa(n.port))
}

// The Dispatcher and `newshound test-notify` find these by type assertion.
var (
	_ notify.DigestNotifier = (*Notifier)(nil)
	_ notify.Tester         = (*Notifier)(nil)
)
