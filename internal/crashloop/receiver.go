package crashloop

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

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

// receiver records every webhook request; it answers 200 after a random
// 0–30 ms so that sends are often in flight when a kill comes.
type receiver struct {
	srv *httptest.Server

	mu   sync.Mutex
	rand *rand.Rand
	got  []Delivery
	ids  map[string]int // well-formed deliveries per id
}

func newReceiver(seed uint64) *receiver {
	rc := &receiver{rand: rand.New(rand.NewPCG(seed, 0x7ec)), ids: map[string]int{}}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	// One connection per request, each accepted after a random delay:
	// see slowAccept.
	rc.srv.Config.SetKeepAlivesEnabled(false)
	rc.srv.Listener = newSlowAccept(rc.srv.Listener, seed^0xacc)
	rc.srv.Start()
	return rc
}

func (rc *receiver) close() { rc.srv.Close() }

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(r.Body)
	d := Delivery{Notifier: "hook", ID: r.Header.Get("webhook-id"), Start: start, Run: -1}
	_, perr := fmt.Sscanf(r.URL.Path, "/hook/run-%d", &d.Run)
	switch {
	case err != nil:
		d.Cut = true
	case perr != nil:
		d.Problem = fmt.Sprintf("unexpected path %q", r.URL.Path)
	default:
		d.Problem = checkRequest(r.Header, body, time.Now())
	}
	rc.mu.Lock()
	i := len(rc.got)
	rc.got = append(rc.got, d)
	if !d.Cut && d.Problem == "" {
		rc.ids[d.ID]++
	}
	delay := time.Duration(rc.rand.Int64N(int64(30*time.Millisecond) + 1))
	rc.mu.Unlock()
	if d.Cut || d.Problem != "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}

	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return // the sender is gone; no answer to write
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "accepted\n")
	if err := http.NewResponseController(w).Flush(); err != nil {
		return
	}
	rc.mu.Lock()
	rc.got[i].Answered = true
	rc.mu.Unlock()
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

// deliveries returns a copy of what arrived, in arrival order.
func (rc *receiver) deliveries() []Delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Delivery(nil), rc.got...)
}

// has reports whether every id in want was delivered at least once.
func (rc *receiver) has(want map[string]bool) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id := range want {
		if rc.ids[id] == 0 {
			return false
		}
	}
	return true
}
