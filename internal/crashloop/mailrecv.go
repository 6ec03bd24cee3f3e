package crashloop

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// mailReceiver is an in-process SMTP server (go-smtp) that records every
// message whose final "." arrived, by the alert id in its Message-ID. The
// daemon of run N sends to desk+run-N@example.org, so each message names
// its run. It answers the final "." after a random 0–30 ms.
type mailReceiver struct {
	srv  *smtp.Server
	addr string
	done chan struct{}

	mu   sync.Mutex
	rand *rand.Rand
	got  []Delivery
	ids  map[string]int
}

func newMailReceiver(seed uint64) (*mailReceiver, error) {
	mr := &mailReceiver{rand: rand.New(rand.NewPCG(seed, 0x5a7)), ids: map[string]int{}, done: make(chan struct{})}
	mr.srv = smtp.NewServer(mr)
	mr.srv.Domain = "localhost"
	mr.srv.ReadTimeout = 10 * time.Second
	mr.srv.WriteTimeout = 10 * time.Second
	// Connections cut by SIGKILL are the point here, not news.
	mr.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mr.addr = ln.Addr().String()
	go func() {
		defer close(mr.done)
		_ = mr.srv.Serve(newSlowAccept(ln, seed^0x3a11)) // ends with ErrServerClosed at close
	}()
	return mr, nil
}

func (mr *mailReceiver) close() {
	mr.srv.Close()
	<-mr.done
}

func (mr *mailReceiver) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &mailSession{mr: mr, run: -1}, nil
}

func (mr *mailReceiver) deliveries() []Delivery {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	return append([]Delivery(nil), mr.got...)
}

func (mr *mailReceiver) has(want map[string]bool) bool {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	for id := range want {
		if mr.ids[id] == 0 {
			return false
		}
	}
	return true
}

type mailSession struct {
	mr  *mailReceiver
	run int
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if _, err := fmt.Sscanf(to, "desk+run-%d@example.org", &s.run); err != nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such recipient"}
	}
	return nil
}

var alertIDPattern = regexp.MustCompile(`nh_[0-9a-f]{32}`)

func (s *mailSession) Data(r io.Reader) error {
	msg, err := io.ReadAll(r)
	d := Delivery{Notifier: "mail", Run: s.run, Start: time.Now()}
	if err != nil {
		// The dot never came: the sender died mid-message.
		d.Cut = true
	} else {
		d.ID, d.Problem = messageID(msg)
	}
	mr := s.mr
	mr.mu.Lock()
	mr.got = append(mr.got, d)
	if !d.Cut && d.Problem == "" {
		mr.ids[d.ID]++
	}
	delay := time.Duration(mr.rand.Int64N(int64(30*time.Millisecond) + 1))
	mr.mu.Unlock()
	if d.Cut {
		return err
	}
	time.Sleep(delay) // the 250 waits: a kill now leaves the outcome unknown
	if d.Problem != "" {
		return errors.New(d.Problem)
	}
	return nil
}

// messageID returns the alert id of a message (from its Message-ID), or
// what is wrong with it.
func messageID(msg []byte) (id, problem string) {
	m, err := mail.ReadMessage(strings.NewReader(string(msg)))
	if err != nil {
		return "", fmt.Sprintf("message does not parse: %v", err)
	}
	id = alertIDPattern.FindString(m.Header.Get("Message-ID"))
	if id == "" {
		return "", fmt.Sprintf("Message-ID %q carries no alert id", m.Header.Get("Message-ID"))
	}
	if subj := m.Header.Get("Subject"); !strings.Contains(subj, WatchName) {
		return id, fmt.Sprintf("subject %q does not name the watch", subj)
	}
	return id, ""
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
