package faults_test

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpServer is a real go-smtp server on 127.0.0.1 whose RCPT and DATA
// answers come from hooks; n counts calls from 1 over the server's life.
type smtpServer struct {
	addr string
	ln   *holdingListener

	mu sync.Mutex
	// mail answers the n-th MAIL FROM; nil accepts.
	mail func(n int) error
	// rcpt answers the n-th RCPT; nil accepts.
	rcpt func(n int) error
	// refuse answers RCPT TO addr when rcpt accepted it; nil accepts.
	refuse func(addr string) error
	// data answers the n-th DATA once the whole message (up to the final
	// ".") has arrived; drop closes the connection instead of answering.
	data         func(n int, msg []byte) (err error, drop bool)
	sessionCount int
	mailCalls    int
	rcptCalls    int
	dataCalls    int
	received     [][]byte       // every message whose final "." arrived
	accepted     [][]byte       // messages answered 250
	copies       map[string]int // accepted messages per recipient address
}

// newSMTPServer starts the server; the first hold connections are
// accepted and held without a greeting (a server that never greets).
func newSMTPServer(t *testing.T, hold int) *smtpServer {
	t.Helper()
	ss := &smtpServer{}
	s := smtp.NewServer(ss)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.ln = &holdingListener{Listener: raw, hold: hold}
	ss.addr = raw.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ss.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
		ss.ln.closeHeld()
	})
	return ss
}

func (ss *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ss.mu.Lock()
	ss.sessionCount++
	ss.mu.Unlock()
	return &smtpSession{ss: ss, conn: c}, nil
}

// sessions counts the SMTP sessions opened (greetings sent).
func (ss *smtpServer) sessions() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.sessionCount
}

func (ss *smtpServer) counts() (rcpt, data int, received, accepted [][]byte) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.rcptCalls, ss.dataCalls, append([][]byte(nil), ss.received...), append([][]byte(nil), ss.accepted...)
}

// receivedBy counts the accepted messages that went to each address.
func (ss *smtpServer) receivedBy() map[string]int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make(map[string]int, len(ss.copies))
	for addr, n := range ss.copies {
		out[addr] = n
	}
	return out
}

type smtpSession struct {
	ss   *smtpServer
	conn *smtp.Conn
	to   []string // recipients accepted in this transaction
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.mailCalls++
	if s.ss.mail != nil {
		return s.ss.mail(s.ss.mailCalls)
	}
	return nil
}

func (s *smtpSession) Rcpt(addr string, _ *smtp.RcptOptions) error {
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.rcptCalls++
	if s.ss.rcpt != nil {
		if err := s.ss.rcpt(s.ss.rcptCalls); err != nil {
			return err
		}
	}
	if s.ss.refuse != nil {
		if err := s.ss.refuse(addr); err != nil {
			return err
		}
	}
	s.to = append(s.to, addr)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	msg, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	s.ss.dataCalls++
	s.ss.received = append(s.ss.received, msg)
	if s.ss.data != nil {
		if err, drop := s.ss.data(s.ss.dataCalls, msg); drop {
			// The whole message is here; the client never hears back.
			s.conn.Close()
			return errors.New("connection dropped on purpose")
		} else if err != nil {
			return err
		}
	}
	s.ss.accepted = append(s.ss.accepted, msg)
	if s.ss.copies == nil {
		s.ss.copies = map[string]int{}
	}
	for _, addr := range s.to {
		s.ss.copies[addr]++
	}
	return nil
}

func (s *smtpSession) Reset()        { s.to = nil }
func (s *smtpSession) Logout() error { return nil }

// holdingListener hands go-smtp every connection but the first hold,
// which it keeps open without writing a byte.
type holdingListener struct {
	net.Listener
	hold int
	// holdAll, while set, holds every new connection (a server down for
	// a while).
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

// header parses a received message and returns one header.
func header(t *testing.T, msg []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(msg)))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, msg)
	}
	return m.Header.Get(name)
}

// smtpErr is an SMTP reply with an enhanced code.
func smtpErr(code int, enhanced smtp.EnhancedCode, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: text}
}
