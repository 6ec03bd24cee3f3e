package testreceiver

import (
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message whose final "." arrived.
type Message struct {
	From     string
	To       []string // the recipients accepted in its transaction
	Data     []byte
	Accepted bool // answered 250
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

	srv *smtp.Server
	ln  *holdingListener

	mu           sync.Mutex
	sessionCount int
	mailCalls    int
	rcptCalls    int
	dataCalls    int
	messages     []Message
	copies       map[string]int // accepted messages per recipient address
}

// NewSMTP starts the server, closed at the end of the test; the first
// hold connections are accepted and held without a greeting (a server
// that never greets).
func NewSMTP(t testing.TB, hold int) *SMTP {
	t.Helper()
	ss := &SMTP{copies: map[string]int{}}
	ss.srv = smtp.NewServer(ss)
	ss.srv.Domain = "localhost"
	ss.srv.AllowInsecureAuth = true
	ss.srv.ReadTimeout = 10 * time.Second
	ss.srv.WriteTimeout = 10 * time.Second
	ss.srv.ErrorLog = log.New(io.Discard, "", 0)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.ln = &holdingListener{Listener: raw, hold: hold}
	ss.Addr = raw.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ss.srv.Serve(ss.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		ss.srv.Close()
		<-done
		ss.ln.closeHeld()
	})
	return ss
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
	if err != nil {
		return err
	}
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.dataCalls++
	i := len(s.ss.messages)
	s.ss.messages = append(s.ss.messages, Message{From: s.from, To: append([]string(nil), s.to...), Data: data})
	if s.ss.OnData != nil {
		if err, drop := s.ss.OnData(s.ss.dataCalls, data); drop {
			// The whole message is here; the client never hears back.
			s.conn.Close()
			return errors.New("connection dropped on purpose")
		} else if err != nil {
			return err
		}
	}
	s.ss.messages[i].Accepted = true
	for _, addr := range s.to {
		s.ss.copies[addr]++
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
