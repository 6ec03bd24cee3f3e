package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"sync"

	gomail "github.com/wneessen/go-mail"

	"github.com/newshound/newshound/notify"
)

// connGuard owns the connection of one Notify call: it closes it when the
// caller's context ends (aborting a stalled exchange) and when Notify
// returns (go-mail leaves it open when the greeting or EHLO fails).
type connGuard struct {
	mu   sync.Mutex
	conn net.Conn
	stop func() bool
}

func (g *connGuard) set(ctx context.Context, c net.Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.conn = c
	g.stop = context.AfterFunc(ctx, func() { c.Close() })
}

func (g *connGuard) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn != nil {
		g.stop()
		g.conn.Close()
	}
}

// clientOptions configures a go-mail client for one Notify call. Dialing
// is ours so the connection can be tied to ctx; for implicit TLS the
// dialer returns a *tls.Conn, which go-mail's SMTP client recognises as
// encrypted.
func (n *Notifier) clientOptions(ctx context.Context, g *connGuard) []gomail.Option {
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var (
			c   net.Conn
			err error
		)
		if n.mode == TLSImplicit {
			d := tls.Dialer{NetDialer: &net.Dialer{}, Config: n.tlsConfig}
			c, err = d.DialContext(dctx, network, addr)
		} else {
			c, err = (&net.Dialer{}).DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		g.set(ctx, c)
		return c, nil
	}
	policy := gomail.NoTLS // TLSNone, and TLSImplicit: already encrypted
	if n.mode == TLSStartTLS {
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{
		gomail.WithPort(n.port),
		gomail.WithTimeout(n.timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(n.tlsConfig),
		gomail.WithoutNoop(), // the connection is fresh
	}
	if n.username != "" {
		// PLAIN or LOGIN, whichever the server offers. go-mail refuses
		// them without TLS except to localhost; New already restricted
		// TLSNone to loopback hosts, so the NOENC variants apply there.
		prefs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if n.mode == TLSNone {
			prefs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(prefs...),
			gomail.WithUsername(n.username),
			gomail.WithPassword(n.password))
	}
	return opts
}

// failure classifies err and wraps it with the operation; see retryable.
func (n *Notifier) failure(ctx context.Context, op string, err error) (bool, error) {
	retry := retryable(err)
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Our guard closed the connection: report why.
		retry = true
		err = fmt.Errorf("%w: %w", ctxErr, err)
	}
	return retry, n.scrub(fmt.Errorf("%s %s: %w", op, n.server(), err))
}

// retryable maps an SMTP failure: a 5xx reply is permanent, a 4xx reply
// transient; errors without a reply code are connection trouble and
// transient, except the message-level ones that no retry can fix. A
// transaction stopped at RCPT TO is transient when any recipient was
// refused for now (see refusals.temporary), else permanent: every
// recipient was refused for good.
func retryable(err error) bool {
	var re *rcptError
	if errors.As(err, &re) {
		return re.refused.temporary()
	}
	if errors.Is(err, gomail.ErrNoFromAddress) || errors.Is(err, gomail.ErrNoRcptAddresses) {
		return false // the message itself is unsendable
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500
	}
	return true
}

// authSecrets are the credentials as SMTP AUTH sends them, for the
// redactor, which adds their encodings: the password, PLAIN's
// "\x00user\x00password" (go-mail sends no authorization identity; the
// form with one is covered too) and, for LOGIN, the base64 of the user
// name, which is sent on its own line. The user name itself is no secret
// and stays readable in errors.
func authSecrets(username, password string) []string {
	if password == "" {
		return nil
	}
	s := []string{password, "\x00" + username + "\x00" + password, username + "\x00" + username + "\x00" + password}
	if username != "" {
		s = append(s, notify.Base64Forms(username)...)
	}
	return s
}

// scrub makes sure no form of the credentials leaves in an error, even if
// a server echoed them (notify.Redactor). When it must rewrite the message
// it drops the chain, which could otherwise be reached and logged.
func (n *Notifier) scrub(err error) error { return n.redact.Err(err) }

// scrubString removes the credentials from a text shown to the operator.
func (n *Notifier) scrubString(s string) string { return n.redact.String(s) }
