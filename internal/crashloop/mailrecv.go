package crashloop

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/newshound/newshound/internal/testreceiver"
)

// mailReceiver is the in-process SMTP server of internal/testreceiver:
// it records every message, by the alert id in its Message-ID. The daemon
// of run N sends to desk+run-N@example.org, so each message names its
// run; other recipients are refused. It answers the final "." after a
// random 0–30 ms.
type mailReceiver struct {
	*testreceiver.SMTP

	mu   sync.Mutex
	rand *rand.Rand
}

func newMailReceiver(seed uint64) (*mailReceiver, error) {
	mr := &mailReceiver{rand: rand.New(rand.NewPCG(seed, 0x5a7))}
	ss, err := testreceiver.StartSMTP(testreceiver.SMTPOptions{
		Listen: func(ln net.Listener) net.Listener { return newSlowAccept(ln, seed^0x3a11) },
	})
	if err != nil {
		return nil, err
	}
	ss.Refuse = func(to string) error {
		if runOf(to) < 0 {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such recipient"}
		}
		return nil
	}
	ss.OnData = mr.answer
	mr.SMTP = ss
	return mr, nil
}

// close ends the server; the error is the kill-cut connections' business.
func (mr *mailReceiver) close() { _ = mr.Close() }

// answer holds the 250 back a random while (a kill now leaves the
// outcome unknown) and refuses a malformed message.
func (mr *mailReceiver) answer(_ int, msg []byte) (error, bool) {
	mr.mu.Lock()
	delay := time.Duration(mr.rand.Int64N(int64(30*time.Millisecond) + 1))
	mr.mu.Unlock()
	time.Sleep(delay)
	if _, problem := messageID(msg); problem != "" {
		return errors.New(problem), false
	}
	return nil, false
}

// runOf is the run a recipient desk+run-N@example.org names, or -1.
func runOf(to string) int {
	var run int
	if _, err := fmt.Sscanf(to, "desk+run-%d@example.org", &run); err != nil {
		return -1
	}
	return run
}

// deliveries returns every message, the cut ones too, in arrival order.
func (mr *mailReceiver) deliveries() []Delivery {
	var out []Delivery
	for _, m := range mr.Messages() {
		d := Delivery{Notifier: "mail", Run: -1, Start: m.At, Cut: m.Cut}
		if len(m.To) > 0 {
			d.Run = runOf(m.To[0])
		}
		if !m.Cut {
			d.ID, d.Problem = messageID(m.Data)
		}
		out = append(out, d)
	}
	return out
}

func (mr *mailReceiver) has(want map[string]bool) bool {
	return hasAll(mr.deliveries(), want)
}

var alertIDPattern = regexp.MustCompile(`nh_[0-9a-f]{32}`)

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
