// Package testreceiver is the fake delivery end the tests send alerts to:
// HTTP receivers (webhook, Slack) on 127.0.0.1 that record every attempt
// and answer from a script — any status, headers and body, a stall before
// or after the status line, a hang-up — and an in-process SMTP server
// (github.com/emersion/go-smtp) that records every message and can refuse
// at any step: never greet, MAIL, RCPT per attempt or per address, DATA,
// or drop the connection once the whole message is in.
//
// It is a test helper: only tests and the measurement and stress commands
// (bench/..., internal/crashloop) import it, never the daemon's packages.
package testreceiver

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Answer is what an HTTP receiver does with one request.
type Answer struct {
	Status int
	Header map[string]string
	Body   string
	// Stall never answers: it waits until the client goes away.
	Stall bool
	// StallBody sends the status line and headers of Status, then stalls
	// before the body.
	StallBody bool
	// HangUp closes the connection without an answer.
	HangUp bool
	// Delay waits this long before answering; a client that goes away
	// meanwhile gets no answer.
	Delay time.Duration
}

// OK is a 200 with body "ok", as Slack answers.
var OK = Answer{Status: http.StatusOK, Body: "ok"}

// Script decides the answer to the n-th request (counted from 1) from its
// body.
type Script func(n int, body []byte) Answer

// Always answers every request with a.
func Always(a Answer) Script { return func(int, []byte) Answer { return a } }

// SlackScript answers like a Slack incoming webhook: OK for a JSON body,
// 400 invalid_payload for anything else.
func SlackScript(_ int, body []byte) Answer {
	if !json.Valid(body) {
		return Answer{Status: http.StatusBadRequest, Body: "invalid_payload"}
	}
	return OK
}

// Request is one request as the receiver got it.
type Request struct {
	Path    string
	Header  http.Header
	Body    []byte
	Payload map[string]any // Body as a JSON object, nil if it is not one
	At      time.Time      // on the receiver's clock
	Real    time.Time      // wall clock, for the stall tests
	Status  int            // what was answered; 0 for a stall or hang-up
	// Cut is set when the body did not arrive whole (the sender died or
	// gave up while writing it).
	Cut bool
	// Answered is set once the answer was written and flushed to the
	// connection without error.
	Answered bool
}

// HTTP is a real HTTP server on 127.0.0.1 whose answers come from its
// script. Its methods are safe for the goroutines of the code under test.
type HTTP struct {
	// URL is the receiver's root, scheme://host:port.
	URL string

	srv     *httptest.Server
	now     func() time.Time
	release chan struct{} // closed at Close: stalled handlers return
	closing sync.Once

	mu     sync.Mutex
	script Script
	fail   int // the next fail requests answer failStatus
	failAs int
	reqs   []Request
}

// HTTPOptions change how an HTTP receiver listens and stamps requests.
type HTTPOptions struct {
	// Now stamps each request's At (nil: time.Now).
	Now func() time.Time
	// Listen, if set, wraps the listener (to delay or hold connections).
	Listen func(net.Listener) net.Listener
	// NoKeepAlives closes every connection after its answer.
	NoKeepAlives bool
}

// NewHTTP starts a receiver answering by script, closed at the end of
// the test; now stamps each request's At (nil: time.Now).
func NewHTTP(t testing.TB, now func() time.Time, script Script) *HTTP {
	t.Helper()
	rc := StartHTTP(HTTPOptions{Now: now}, script)
	t.Cleanup(rc.Close)
	return rc
}

// StartHTTP starts a receiver outside a test; the caller closes it.
func StartHTTP(opts HTTPOptions, script Script) *HTTP {
	rc := &HTTP{now: opts.Now, script: script, release: make(chan struct{})}
	if rc.now == nil {
		rc.now = time.Now
	}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	if opts.NoKeepAlives {
		rc.srv.Config.SetKeepAlivesEnabled(false)
	}
	if opts.Listen != nil {
		rc.srv.Listener = opts.Listen(rc.srv.Listener)
	}
	rc.srv.Start()
	rc.URL = rc.srv.URL
	return rc
}

// Close releases stalled handlers, then shuts the receiver down, waiting
// for them.
func (rc *HTTP) Close() {
	rc.closing.Do(func() { close(rc.release) })
	rc.srv.Close()
}

// NewWebhook is a receiver that answers 200 to every request and fails
// the test on a body that is not a JSON object, as every webhook body is.
func NewWebhook(t testing.TB) *HTTP {
	t.Helper()
	return NewHTTP(t, nil, func(_ int, body []byte) Answer {
		var p map[string]any
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body is not JSON: %v: %s", err, body)
		}
		return Answer{Status: http.StatusOK}
	})
}

// NewSlack is a receiver that answers like a Slack incoming webhook
// (SlackScript).
func NewSlack(t testing.TB) *HTTP {
	t.Helper()
	return NewHTTP(t, nil, SlackScript)
}

func (rc *HTTP) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	body, err := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: rc.now(), Real: arrived, Cut: err != nil}
	if err := json.Unmarshal(body, &req.Payload); err != nil {
		req.Payload = nil
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, req)
	i := len(rc.reqs) - 1
	script := rc.script
	if rc.fail > 0 {
		rc.fail--
		script = Always(Answer{Status: rc.failAs})
	}
	rc.mu.Unlock()
	a := script(i+1, body)
	switch {
	case a.Stall || a.StallBody:
		if a.StallBody {
			w.WriteHeader(a.Status)
			_ = http.NewResponseController(w).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-rc.release:
		}
		return
	case a.HangUp:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if a.Delay > 0 {
		select {
		case <-time.After(a.Delay):
		case <-r.Context().Done():
			return // the sender is gone; no answer to write
		case <-rc.release:
			return
		}
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
	rc.mu.Lock()
	rc.reqs[i].Status = a.Status
	rc.mu.Unlock()
	if err := http.NewResponseController(w).Flush(); err != nil {
		return
	}
	rc.mu.Lock()
	rc.reqs[i].Answered = true
	rc.mu.Unlock()
}

// Request returns the n-th request (counted from 1), for a script that
// needs more than the body.
func (rc *HTTP) Request(n int) Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.reqs[n-1]
}

// SetScript replaces the script from the next request on; n keeps
// counting from the first request.
func (rc *HTTP) SetScript(s Script) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.script = s
}

// FailNext makes the next n requests answer status, whatever the script.
func (rc *HTTP) FailNext(n, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.fail, rc.failAs = n, status
}

// Requests returns every request so far, in arrival order.
func (rc *HTTP) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// Count is how many requests arrived.
func (rc *HTTP) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// Delivered returns the requests answered 2xx, in arrival order.
func (rc *HTTP) Delivered() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []Request
	for _, r := range rc.reqs {
		if r.Status >= 200 && r.Status < 300 {
			out = append(out, r)
		}
	}
	return out
}

// Payloads returns the JSON bodies of the requests answered 2xx.
func (rc *HTTP) Payloads() []map[string]any {
	var out []map[string]any
	for _, r := range rc.Delivered() {
		out = append(out, r.Payload)
	}
	return out
}
