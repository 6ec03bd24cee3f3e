package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// A running daemon holds the database: bbolt takes an exclusive flock on
// it, and even a read-only bbolt open asks for a shared flock, which that
// lock refuses. Commands that must work beside the daemon (alerts,
// backup) therefore ask it over its HTTP server, when the config has
// `listen`.

// Paths of the daemon's HTTP API used here.
const (
	apiAlertsPath = "/api/v1/alerts"
	apiBackupPath = "/api/v1/backup"
)

// errNoListen means the config has no listen address, so a running
// daemon cannot be asked.
var errNoListen = errors.New("the config has no listen address")

// Limits of a request to the daemon: the connection, and the wait for
// the answer to begin (a backup's body may then take as long as the file
// needs).
const (
	daemonDialTimeout   = 10 * time.Second
	daemonHeaderTimeout = 30 * time.Second
)

// dialDaemon opens a connection to the daemon. It is a variable only so
// that a test can point a host name at a local server, to prove that a
// name a proxy would handle is still dialled directly (RELIABILITY.md
// item 39).
var dialDaemon = (&net.Dialer{Timeout: daemonDialTimeout}).DialContext

// daemonClient talks to the running daemon's HTTP server.
type daemonClient struct {
	base string // "http://127.0.0.1:8080"
	auth *config.ListenAuth
	http *http.Client
}

// newDaemonClient builds a client for the daemon cfg describes, with its
// own transport: every command that asks the daemon goes through here,
// so none can forget what that transport guarantees. It never uses a
// proxy, whatever HTTP_PROXY and its kin say: the daemon is local, and a
// proxy would receive the listen_auth credentials (RELIABILITY.md item
// 39). timeout bounds a whole request, body included; 0 leaves the body
// unbounded (a backup), the answer must still begin within
// daemonHeaderTimeout.
func newDaemonClient(cfg *config.Config, timeout time.Duration) (*daemonClient, error) {
	if cfg.Listen == "" {
		return nil, errNoListen
	}
	base, err := daemonBaseURL(cfg.Listen)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		Proxy: nil, // never: see above
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialDaemon(ctx, network, addr)
		},
		ResponseHeaderTimeout: daemonHeaderTimeout,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &daemonClient{base: base, auth: cfg.ListenAuth, http: &http.Client{Transport: transport, Timeout: timeout}}, nil
}

// daemonBaseURL is the URL at which this machine reaches a server bound to
// listen: an address that binds every interface (":8080", 0.0.0.0, ::) is
// reached on loopback, any other at the address itself.
func daemonBaseURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen %q: %w", listen, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return "", fmt.Errorf("listen %q: the port must be a number from 1 to 65535", listen)
	}
	switch ip, err := netip.ParseAddr(host); {
	case host == "":
		host = "127.0.0.1"
	case err == nil && ip.Unmap().IsUnspecified() && ip.Unmap().Is4():
		host = "127.0.0.1"
	case err == nil && ip.IsUnspecified():
		host = "::1"
	}
	base := (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}).String()
	if _, err := url.Parse(base); err != nil {
		return "", fmt.Errorf("listen %q: not an address to connect to: %w", listen, err)
	}
	return base, nil
}

// request builds a request with the configured credentials.
func (c *daemonClient) request(ctx context.Context, method, path string, query url.Values) (*http.Request, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if method != http.MethodGet && method != http.MethodHead {
		// The daemon refuses any other method without it, so that no
		// foreign web page can make a browser send one.
		req.Header.Set(web.RequestHeader, "1")
	}
	switch a := c.auth; {
	case a == nil:
	case a.Basic != nil:
		req.SetBasicAuth(a.Basic.Username, a.Basic.Password.Reveal())
	case a.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+a.Bearer.Reveal())
	}
	return req, nil
}

// do sends req and returns the response when it is 200 OK; any other
// status becomes an error that says what the daemon answered. Errors
// never carry the credentials: they travel in a header, never in the URL.
func (c *daemonClient) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the daemon at %s (its listen address; is its HTTP server up?): %w", c.base, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	var apiErr struct{ Error, Param string }
	detail := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &apiErr) == nil && apiErr.Error != "" {
		detail = apiErr.Error
		if apiErr.Param != "" {
			detail = apiErr.Param + ": " + detail
		}
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("the daemon at %s refused the credentials (401): listen_auth in the config must match the running daemon's", c.base)
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return nil, fmt.Errorf("the daemon at %s has no %s %s (%s): is it an older newshound?", c.base, req.Method, req.URL.Path, resp.Status)
	}
	return nil, fmt.Errorf("the daemon at %s answered %s: %s", c.base, resp.Status, textsafe.Flatten(detail))
}

// alerts reads one page of the alert history from the daemon.
func (c *daemonClient) alerts(ctx context.Context, q store.AlertQuery) (store.AlertPage, error) {
	v := url.Values{}
	for name, val := range map[string]string{"watch": q.Watch, "source": q.Source, "cursor": q.Cursor} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	req, err := c.request(ctx, http.MethodGet, apiAlertsPath, v)
	if err != nil {
		return store.AlertPage{}, err
	}
	resp, err := c.do(req)
	if err != nil {
		return store.AlertPage{}, err
	}
	defer resp.Body.Close()
	var doc web.AlertsPage
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&doc); err != nil {
		return store.AlertPage{}, fmt.Errorf("read alerts from the daemon at %s: %w", c.base, err)
	}
	page := store.AlertPage{Next: doc.Next}
	for _, a := range doc.Alerts {
		page.Alerts = append(page.Alerts, a.Record())
	}
	return page, nil
}

// backup asks the daemon for a consistent copy of its database and
// copies the answer to w. The daemon streams it from one read
// transaction; a copy cut short shows as an error here (a short body
// against Content-Length, or a connection closed before the last chunk).
func (c *daemonClient) backup(ctx context.Context, w io.Writer) (int64, error) {
	req, err := c.request(ctx, http.MethodPost, apiBackupPath, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup from the daemon at %s cut short after %d bytes: %w", c.base, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("backup from the daemon at %s cut short: %d of %d bytes", c.base, n, resp.ContentLength)
	}
	return n, nil
}
