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
}

// OK is a 200 with body "ok", as Slack answers.
var OK = Answer{Status: http.StatusOK, Body: "ok"}

// Script decides the answer to the n-th request (counted from 1) from its
// body.
type Script func(n int, body []byte) Answer

// Always answers every request with a.
func Always(a Answer) Script { return func(int, []byte) Answer { return a } }

// FailFirst answers the first n requests with status, then ok.
func FailFirst(n, status int, ok Answer) Script {
	return func(i int, _ []byte) Answer {
		if i <= n {
			return Answer{Status: status}
		}
		return ok
	}
}

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
}

// HTTP is a real HTTP server on 127.0.0.1 whose answers come from its
// script. Its methods are safe for the goroutines of the code under test.
type HTTP struct {
	// URL is the receiver's root, scheme://host:port.
	URL string

	srv *httptest.Server
	now func() time.Time

	mu     sync.Mutex
	script Script
	fail   int // the next fail requests answer failStatus
	failAs int
	reqs   []Request
}

// NewHTTP starts a receiver answering by script, closed at the end of
// the test; now stamps each request's At (nil: time.Now).
func NewHTTP(t testing.TB, now func() time.Time, script Script) *HTTP {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	rc := &HTTP{now: now, script: script}
	release := make(chan struct{})
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.serve(w, r, release)
	}))
	rc.URL = rc.srv.URL
	// Cleanups run last in, first out: release stalled handlers, then
	// Close, which waits for them.
	t.Cleanup(rc.srv.Close)
	t.Cleanup(func() { close(release) })
	return rc
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

func (rc *HTTP) serve(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: rc.now(), Real: time.Now()}
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
		case <-release:
		}
		return
	case a.HangUp:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
	rc.mu.Lock()
	rc.reqs[i].Status = a.Status
	rc.mu.Unlock()
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
