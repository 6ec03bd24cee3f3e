package testreceiver

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message of a DATA command.
type Message struct {
	From     string
	To       []string // the recipients accepted in its transaction
	Data     []byte
	At       time.Time // wall clock when it ended (or was cut)
	Accepted bool      // answered 250
	// Cut is set when the final "." never came (the sender died
	// mid-message); such a message is in Cuts, not in Received.
	Cut bool
}

// SMTP is a real go-smtp server on 127.0.0.1 that records every message
// and whose answers come from its hooks; n counts calls from 1 over the
// server's life. Set the hooks before the first connection.
type SMTP struct {
	// Addr is the server's host:port.
	Addr string

	// OnMail answers the n-th MAIL FROM; nil accepts.
	OnMail func(n int) error
	// OnRcpt answers the n-th RCPT; nil accepts.
	OnRcpt func(n int) error
	// Refuse answers RCPT TO addr when OnRcpt accepted it; nil accepts.
	Refuse func(addr string) error
	// OnData answers the n-th DATA once the whole message (up to the
	// final ".") has arrived; drop closes the connection instead of
	// answering.
	OnData func(n int, msg []byte) (err error, drop bool)

	srv  *smtp.Server
	ln   *holdingListener
	done chan struct{} // closed when Serve returned
	err  error         // what Serve returned, if not ErrServerClosed

	mu           sync.Mutex
	sessionCount int
	mailCalls    int
	rcptCalls    int
	dataCalls    int
	messages     []Message
	copies       map[string]int // accepted messages per recipient address
}

// SMTPOptions change how the SMTP server listens.
type SMTPOptions struct {
	// Hold is how many of the first connections are accepted and held
	// without a greeting (a server that never greets).
	Hold int
	// Listen, if set, wraps the listener (to delay connections).
	Listen func(net.Listener) net.Listener
}

// NewSMTP starts the server, closed at the end of the test; the first
// hold connections are accepted and held without a greeting.
func NewSMTP(t testing.TB, hold int) *SMTP {
	t.Helper()
	ss, err := StartSMTP(SMTPOptions{Hold: hold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ss.Close(); err != nil {
			t.Errorf("smtp server: %v", err)
		}
	})
	return ss
}

// StartSMTP starts the server outside a test; the caller closes it.
func StartSMTP(opts SMTPOptions) (*SMTP, error) {
	ss := &SMTP{copies: map[string]int{}, done: make(chan struct{})}
	ss.srv = smtp.NewServer(ss)
	ss.srv.Domain = "localhost"
	ss.srv.AllowInsecureAuth = true
	ss.srv.ReadTimeout = 10 * time.Second
	ss.srv.WriteTimeout = 10 * time.Second
	// Connections cut by the client under test are the point, not news.
	ss.srv.ErrorLog = log.New(io.Discard, "", 0)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtp receiver: %w", err)
	}
	ss.ln = &holdingListener{Listener: raw, hold: opts.Hold}
	ss.Addr = raw.Addr().String()
	var ln net.Listener = ss.ln
	if opts.Listen != nil {
		ln = opts.Listen(ln)
	}
	go func() {
		defer close(ss.done)
		if err := ss.srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			ss.err = err
		}
	}()
	return ss, nil
}

// Close shuts the server down and closes the held connections; it
// returns what made the server stop, if not Close.
func (ss *SMTP) Close() error {
	ss.srv.Close()
	<-ss.done
	ss.ln.closeHeld()
	return ss.err
}

// NewSession is go-smtp's hook; a test never calls it.
func (ss *SMTP) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ss.mu.Lock()
	ss.sessionCount++
	ss.mu.Unlock()
	return &smtpSession{ss: ss, conn: c}, nil
}

// Sessions counts the SMTP sessions opened (greetings sent).
func (ss *SMTP) Sessions() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.sessionCount
}

// Calls counts the RCPT and DATA commands so far.
func (ss *SMTP) Calls() (rcpt, data int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.rcptCalls, ss.dataCalls
}

// Received returns every message whose final "." arrived, in order.
func (ss *SMTP) Received() []Message {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []Message
	for _, m := range ss.messages {
		if !m.Cut {
			out = append(out, m)
		}
	}
	return out
}

// Messages returns every message of a DATA command in order, the cut
// ones too.
func (ss *SMTP) Messages() []Message {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]Message(nil), ss.messages...)
}

// Accepted returns the messages answered 250, in order.
func (ss *SMTP) Accepted() []Message {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []Message
	for _, m := range ss.messages {
		if m.Accepted {
			out = append(out, m)
		}
	}
	return out
}

// ReceivedBy counts the accepted messages that went to each address.
func (ss *SMTP) ReceivedBy() map[string]int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make(map[string]int, len(ss.copies))
	for addr, n := range ss.copies {
		out[addr] = n
	}
	return out
}

// Connections counts the connections accepted, held ones included.
func (ss *SMTP) Connections() int { return ss.ln.connections() }

// LastAccept is the wall-clock time of the latest connection.
func (ss *SMTP) LastAccept() time.Time { return ss.ln.lastAccept() }

// HoldAll, while on, holds every new connection without a greeting (a
// server down for a while).
func (ss *SMTP) HoldAll(on bool) { ss.ln.holdAll.Store(on) }

type smtpSession struct {
	ss   *SMTP
	conn *smtp.Conn
	from string
	to   []string // recipients accepted in this transaction
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.mailCalls++
	if s.ss.OnMail != nil {
		if err := s.ss.OnMail(s.ss.mailCalls); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(addr string, _ *smtp.RcptOptions) error {
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.rcptCalls++
	if s.ss.OnRcpt != nil {
		if err := s.ss.OnRcpt(s.ss.rcptCalls); err != nil {
			return err
		}
	}
	if s.ss.Refuse != nil {
		if err := s.ss.Refuse(addr); err != nil {
			return err
		}
	}
	s.to = append(s.to, addr)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	m := Message{From: s.from, To: append([]string(nil), s.to...), Data: data, At: time.Now(), Cut: err != nil}
	ss := s.ss
	ss.mu.Lock()
	ss.messages = append(ss.messages, m)
	if m.Cut {
		ss.mu.Unlock()
		return err
	}
	i := len(ss.messages) - 1
	ss.dataCalls++
	n, hook := ss.dataCalls, ss.OnData
	ss.mu.Unlock()
	// The hook runs unlocked: it may take its time (a slow 250).
	if hook != nil {
		if err, drop := hook(n, data); drop {
			// The whole message is here; the client never hears back.
			s.conn.Close()
			return errors.New("connection dropped on purpose")
		} else if err != nil {
			return err
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.messages[i].Accepted = true
	for _, addr := range s.to {
		ss.copies[addr]++
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// holdingListener hands go-smtp every connection but the first hold,
// which it keeps open without writing a byte.
type holdingListener struct {
	net.Listener
	hold int
	// holdAll, while set, holds every new connection.
	holdAll atomic.Bool

	mu       sync.Mutex
	accepted int
	last     time.Time // wall clock of the latest accept
	held     []net.Conn
}

func (l *holdingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.accepted++
		l.last = time.Now()
		if l.accepted <= l.hold || l.holdAll.Load() {
			l.held = append(l.held, c)
			l.mu.Unlock()
			continue
		}
		l.mu.Unlock()
		return c, nil
	}
}

func (l *holdingListener) connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted
}

func (l *holdingListener) lastAccept() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

func (l *holdingListener) closeHeld() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.held {
		c.Close()
	}
}
