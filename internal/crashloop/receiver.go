package crashloop

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/notify/webhook"
)

// webhookSecret signs the daemon's requests; the receiver verifies them.
const webhookSecret = "crashloop-signing-secret-5b1e"

// Delivery is one request that reached the receiver's handler.
type Delivery struct {
	Notifier string // "hook" (webhook) or "mail" (SMTP)
	ID       string // the alert id
	// Run is the daemon run that sent it: each run is configured with its
	// own webhook path, /hook/run-N.
	Run int
	// Start is when the handler began (the request line and headers had
	// arrived); the order of deliveries is by Start.
	Start time.Time
	// Answered is set once the webhook's 2xx answer was written and
	// flushed to the connection without error; a kill can leave it unset.
	// (Not known for mail: go-smtp writes the 250 after Data returns.)
	Answered bool
	// Cut is set when the body did not arrive whole (the sender died
	// while writing it): the recipient never had the alert, so it is not a
	// delivery, and not a fault either.
	Cut bool
	// Problem is set when a whole request was malformed: bad signature,
	// ids that disagree, wrong payload. It does not count as a delivery of
	// its id, and fails the run.
	Problem string
}

// receiver records every webhook request (internal/testreceiver); it
// answers 200 after a random 0–30 ms so that sends are often in flight
// when a kill comes, and 400 to a request that is cut or malformed.
type receiver struct {
	*testreceiver.HTTP

	mu       sync.Mutex
	rand     *rand.Rand
	problems map[int]string // by request number, judged on arrival
}

func newReceiver(seed uint64) *receiver {
	rc := &receiver{rand: rand.New(rand.NewPCG(seed, 0x7ec)), problems: map[int]string{}}
	// One connection per request, each accepted after a random delay:
	// see slowAccept.
	rc.HTTP = testreceiver.StartHTTP(testreceiver.HTTPOptions{
		NoKeepAlives: true,
		Listen:       func(ln net.Listener) net.Listener { return newSlowAccept(ln, seed^0xacc) },
	}, rc.answer)
	return rc
}

func (rc *receiver) close() { rc.Close() }

// answer judges the n-th request as it arrives (its signature must be
// fresh) and picks the delay of its 200.
func (rc *receiver) answer(n int, _ []byte) testreceiver.Answer {
	r := rc.Request(n)
	problem := ""
	if !r.Cut {
		var run int
		if _, err := fmt.Sscanf(r.Path, "/hook/run-%d", &run); err != nil {
			problem = fmt.Sprintf("unexpected path %q", r.Path)
		} else {
			problem = checkRequest(r.Header, r.Body, time.Now())
		}
	}
	rc.mu.Lock()
	rc.problems[n] = problem
	delay := time.Duration(rc.rand.Int64N(int64(30*time.Millisecond) + 1))
	rc.mu.Unlock()
	if r.Cut || problem != "" {
		return testreceiver.Answer{Status: http.StatusBadRequest, Body: "bad request\n"}
	}
	return testreceiver.Answer{Status: http.StatusOK, Body: "accepted\n", Delay: delay}
}

// slowAccept hands out each connection after a random 0–30 ms, so that a
// send spends time connected-but-not-yet-delivered (TCP handshake done,
// no request read, or no SMTP greeting). A kill then catches a daemon
// between deciding to send and delivering: a daemon that recorded its ack
// before sending (at most once) would lose that alert, which the Missing
// rule reports. Without the delay that window is a few microseconds and
// hundreds of kills would not find it.
type slowAccept struct {
	net.Listener
	mu   sync.Mutex
	rand *rand.Rand
}

func newSlowAccept(ln net.Listener, seed uint64) *slowAccept {
	return &slowAccept{Listener: ln, rand: rand.New(rand.NewPCG(seed, 0x51))}
}

func (l *slowAccept) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	d := time.Duration(l.rand.Int64N(int64(30*time.Millisecond) + 1))
	l.mu.Unlock()
	time.Sleep(d)
	return c, nil
}

// checkRequest returns what is wrong with a webhook request, or "".
func checkRequest(h http.Header, body []byte, now time.Time) string {
	if err := webhook.Verify(webhookSecret, h, body, now); err != nil {
		return fmt.Sprintf("signature: %v", err)
	}
	var p struct {
		ID    string `json:"id"`
		Watch string `json:"watch"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Sprintf("payload: %v", err)
	}
	if id := h.Get("webhook-id"); p.ID != id || h.Get("Idempotency-Key") != id {
		return fmt.Sprintf("ids disagree: payload %q, webhook-id %q, Idempotency-Key %q", p.ID, id, h.Get("Idempotency-Key"))
	}
	if p.Watch != WatchName {
		return fmt.Sprintf("payload watch %q, want %q", p.Watch, WatchName)
	}
	return ""
}

// deliveries returns what arrived, in arrival order.
func (rc *receiver) deliveries() []Delivery {
	reqs := rc.Requests()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Delivery, 0, len(reqs))
	for i, r := range reqs {
		d := Delivery{Notifier: "hook", ID: r.Header.Get("webhook-id"), Start: r.Real, Run: -1,
			Answered: r.Answered && r.Status == http.StatusOK, Cut: r.Cut, Problem: rc.problems[i+1]}
		if _, err := fmt.Sscanf(r.Path, "/hook/run-%d", &d.Run); err != nil {
			d.Run = -1
		}
		out = append(out, d)
	}
	return out
}

// has reports whether every id in want was delivered at least once.
func (rc *receiver) has(want map[string]bool) bool {
	return hasAll(rc.deliveries(), want)
}

// hasAll reports whether every id in want has a well-formed delivery.
func hasAll(ds []Delivery, want map[string]bool) bool {
	got := map[string]bool{}
	for _, d := range ds {
		if !d.Cut && d.Problem == "" {
			got[d.ID] = true
		}
	}
	for id := range want {
		if !got[id] {
			return false
		}
	}
	return true
}
