package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
)

const (
	feedLen    = 20            // items a feed lists
	oldItems   = 20            // items each feed holds at start
	oldSpacing = 6 * time.Hour // between two old items
)

// Request kinds the site counts.
const (
	feed200 = iota
	feed304
	article
	kinds
)

// web is the simulated web: N feeds and their article pages on one
// testsite.Site. Item n of feed i (n from 1) is old for n ≤ oldItems, dated
// before start; item oldItems+k (k ≥ 1) appears at start+offset(i)+(k-1)·every.
type web struct {
	*testsite.Site

	n          int
	every      time.Duration
	matchEvery int
	pages      [][]byte
	start      time.Time

	mu    sync.Mutex
	epoch time.Time // the daemon's start: minute 0 of the counters
	count [][kinds]int
}

func newWeb(n int, every time.Duration, matchEvery int, pages [][]byte, start time.Time) *web {
	w := &web{Site: testsite.Start(testsite.Options{}), n: n, every: every, matchEvery: matchEvery, pages: pages, start: start, epoch: start}
	w.HandlePrefix("/f/", w.feed)
	w.HandlePrefix("/a/", w.article)
	return w
}

func (w *web) setEpoch(t time.Time) {
	w.mu.Lock()
	w.epoch, w.count = t, nil
	w.mu.Unlock()
}

func (w *web) hit(kind int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := max(int(time.Since(w.epoch)/time.Minute), 0)
	for len(w.count) <= m {
		w.count = append(w.count, [kinds]int{})
	}
	w.count[m][kind]++
}

// counts returns the requests per minute and kind.
func (w *web) counts() [][kinds]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][kinds]int(nil), w.count...)
}

// offset staggers the feeds' new items evenly over one interval.
func (w *web) offset(i int) time.Duration {
	return time.Duration(int64(w.every) * int64(i) / int64(w.n))
}

// published is when item n of feed i appeared.
func (w *web) published(i, n int) time.Time {
	if n <= oldItems {
		return w.start.Add(-w.offset(i) - time.Duration(oldItems+1-n)*oldSpacing)
	}
	return w.start.Add(w.offset(i) + time.Duration(n-oldItems-1)*w.every)
}

// newest is the number of feed i's newest item at now.
func (w *web) newest(i int, now time.Time) int {
	since := now.Sub(w.start.Add(w.offset(i)))
	if since < 0 {
		return oldItems
	}
	return oldItems + 1 + int(since/w.every)
}

func (w *web) matches(i, n int) bool { return (i+n)%w.matchEvery == 0 }

func (w *web) title(i, n int) string {
	if w.matches(i, n) {
		return fmt.Sprintf("CENTCOM update %d-%d", i, n)
	}
	return fmt.Sprintf("Regional briefing %d-%d", i, n)
}

func (w *web) feed(rw http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/f/"), ".xml"))
	if err != nil || i < 0 || i >= w.n {
		http.NotFound(rw, r)
		return
	}
	top := w.newest(i, time.Now())
	etag := fmt.Sprintf(`"%d-%d"`, i, top)
	mod := w.published(i, top).UTC().Truncate(time.Second)
	rw.Header().Set("ETag", etag)
	rw.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
	if notModified(r, etag, mod) {
		w.hit(feed304)
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	w.hit(feed200)
	items := make([]testsite.Item, 0, feedLen)
	for n := top; n > max(top-feedLen, 0); n-- {
		items = append(items, testsite.Item{Path: fmt.Sprintf("/a/%d/%d", i, n), Title: w.title(i, n), Published: w.published(i, n)})
	}
	rw.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(rw, testsite.RSS("http://"+r.Host, fmt.Sprintf("Feed %d", i), "UTF-8", items))
}

// notModified applies If-None-Match first, as RFC 9110 does, then
// If-Modified-Since.
func notModified(r *http.Request, etag string, mod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return inm == etag || inm == "W/"+etag || inm == "*"
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !mod.After(t)
	}
	return false
}

func (w *web) article(rw http.ResponseWriter, r *http.Request) {
	var i, n int
	if _, err := fmt.Sscanf(r.URL.Path, "/a/%d/%d", &i, &n); err != nil {
		http.NotFound(rw, r)
		return
	}
	w.hit(article)
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	if len(w.pages) > 0 {
		rw.Write(w.pages[(i*oldItems+n)%len(w.pages)])
		return
	}
	t := w.title(i, n)
	io.WriteString(rw, testsite.ArticleHTML(t, "",
		testsite.Para(t), testsite.Para("The convoy of feed "+strconv.Itoa(i)), testsite.Para("The aid agencies")))
}

// hook is the webhook receiver (internal/testreceiver), answering 200.
type hook struct {
	*testreceiver.HTTP
	w *web
}

func newHook(w *web) *hook {
	return &hook{HTTP: testreceiver.StartHTTP(testreceiver.HTTPOptions{}, testreceiver.Always(testreceiver.Answer{Status: http.StatusOK})), w: w}
}

// alert is one webhook arrival for an item of the simulated web.
type alert struct {
	minute int
	fresh  bool          // the item appeared after start
	delay  time.Duration // arrival − appearance, for fresh items
}

// alerts returns every arrival from epoch to end whose url names an
// item, and the number of arrivals that did not.
func (h *hook) alerts(epoch, end time.Time) ([]alert, int) {
	var out []alert
	other := 0
	for _, r := range h.Requests() {
		if r.At.Before(epoch) || r.At.After(end) {
			continue
		}
		u, _ := r.Payload["url"].(string)
		var i, n int
		p := strings.Index(u, "/a/")
		if p < 0 {
			other++
			continue
		}
		if _, err := fmt.Sscanf(u[p:], "/a/%d/%d", &i, &n); err != nil {
			other++
			continue
		}
		a := alert{minute: max(int(r.At.Sub(epoch)/time.Minute), 0), fresh: n > oldItems}
		if a.fresh {
			a.delay = r.At.Sub(h.w.published(i, n))
		}
		out = append(out, a)
	}
	return out, other
}
