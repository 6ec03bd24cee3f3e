package app

import (
	"sync"
	"time"
)

// passQueue is the daemon's bounded work: the sources due for a pass, in
// the order they fell due, taken by a fixed pool of workers. A source is
// in it at most once, waiting or running, so the queue never holds more
// entries than there are sources and a cold start of ten thousand
// never-run sources costs ten thousand small entries, not ten thousand
// goroutines waiting on a limiter.
type passQueue struct {
	mu      sync.Mutex
	ready   *sync.Cond
	waiting []queuedPass           // FIFO; guarded by mu
	sources map[string]*queueEntry // every source waiting or running; guarded by mu
	closed  bool                   // guarded by mu
}

// queuedPass is one source waiting for a worker, with the scheduled time
// it stands for (the latest one it was due at while it waited).
type queuedPass struct {
	name string
	due  time.Time
}

// queueEntry is the state of one source in the queue.
type queueEntry struct {
	running bool
	due     time.Time // while waiting: the latest scheduled time it stands for
	// again is set when the source fell due while its pass ran: it is
	// queued once more when that pass ends (its budget ended at that
	// scheduled time, so the two never overlap).
	again    bool
	againDue time.Time
}

// admission is what push did with a source that fell due.
type admission int

const (
	admitted       admission = iota // queued
	alreadyWaiting                  // still waiting for a worker: deferred to run as soon as one is free
	afterRunning                    // its pass is running: queued again when it ends
	queueClosed                     // the queue is closed: nothing runs any more
)

func newPassQueue() *passQueue {
	q := &passQueue{sources: make(map[string]*queueEntry)}
	q.ready = sync.NewCond(&q.mu)
	return q
}

// push queues the named source, due at due, unless it is already in the
// queue. A source still waiting keeps its place and now stands for the
// later time; one whose pass is running is queued again once, when the
// pass ends.
func (q *passQueue) push(name string, due time.Time) admission {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return queueClosed
	}
	if e, ok := q.sources[name]; ok {
		if e.running {
			e.again, e.againDue = true, due
			return afterRunning
		}
		e.due = due
		return alreadyWaiting
	}
	q.sources[name] = &queueEntry{due: due}
	q.waiting = append(q.waiting, queuedPass{name: name, due: due})
	q.ready.Signal()
	return admitted
}

// take blocks until a source waits, marks it running and returns it; ok
// is false once the queue is closed.
func (q *passQueue) take() (p queuedPass, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.waiting) == 0 && !q.closed {
		q.ready.Wait()
	}
	if q.closed {
		return queuedPass{}, false
	}
	p = q.waiting[0]
	q.waiting[0] = queuedPass{}
	q.waiting = q.waiting[1:]
	if len(q.waiting) == 0 {
		q.waiting = nil // let the drained backing array go
	}
	e := q.sources[p.name]
	e.running = true
	p.due = e.due
	return p, true
}

// done ends the pass of a source taken by take. A source that fell due
// meanwhile goes to the back of the queue.
func (q *passQueue) done(name string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.sources[name]
	if e == nil {
		return
	}
	if !e.again || q.closed {
		delete(q.sources, name)
		return
	}
	*e = queueEntry{due: e.againDue}
	q.waiting = append(q.waiting, queuedPass{name: name, due: e.due})
	q.ready.Signal()
}

// len returns how many sources wait for a worker and how many run.
func (q *passQueue) len() (waiting, running int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting), len(q.sources) - len(q.waiting)
}

// close wakes every worker to return; sources still waiting do not run.
func (q *passQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.waiting = nil
	q.mu.Unlock()
	q.ready.Broadcast()
}
