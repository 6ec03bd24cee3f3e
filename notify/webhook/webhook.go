// Package webhook delivers alerts as JSON POSTs signed the Standard
// Webhooks way (https://www.standardwebhooks.com).
//
// # Wire contract
//
// Each alert is one POST with Content-Type application/json, an
// Idempotency-Key header carrying the alert id, and the body built by
// Payload (documented there). With a secret configured, three headers sign
// it: webhook-id (the alert id, the same on every retry), webhook-timestamp
// (Unix seconds of this attempt) and webhook-signature ("v1," followed by
// the standard base64 HMAC-SHA256 of "id.timestamp.body"). A secret with
// the "whsec_" prefix is base64 after the prefix, per the specification;
// any other secret is used as raw bytes. Receivers check it with Verify.
//
// # Outcome
//
// The receiver's status is mapped by notify.CheckResponse: 2xx delivered;
// 3xx (never followed), 408, 429 and 5xx retryable, keeping Retry-After;
// other 4xx permanent. Transport errors and the per-attempt timeout are
// retryable: the receiver may have got the alert, and the id lets it
// deduplicate the repeat.
//
// # Secrets
//
// The webhook URL may carry a token in its path, query or user info, so
// it is treated as a credential: errors never contain it (Go's *url.Error
// is unwrapped, and every error is scrubbed of the URL, its parts and the
// signing secret, in case a receiver echoes the request line in its body).
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
)

// DefaultTimeout bounds one delivery attempt when WithTimeout is not given.
const DefaultTimeout = 10 * time.Second

// maxResponseBody caps how much of a receiver's answer is read: enough for
// an error message, never enough to exhaust memory.
const maxResponseBody = 64 << 10

// Config is one webhook receiver. Both fields are secrets: the lead passes
// their revealed values.
type Config struct {
	// URL is the http or https endpoint alerts are POSTed to.
	URL string
	// Secret signs requests when non-empty ("whsec_" + base64, or raw).
	Secret string
}

// Option customises a Notifier.
type Option func(*Notifier)

// WithHTTPClient sets the client whose Transport carries requests. The
// client is copied and its CheckRedirect replaced so that redirects are
// never followed.
func WithHTTPClient(c *http.Client) Option {
	return func(n *Notifier) { n.client = c }
}

// WithNow sets the clock used for webhook-timestamp and Retry-After dates.
func WithNow(now func() time.Time) Option {
	return func(n *Notifier) { n.now = now }
}

// WithTimeout bounds each delivery attempt (connect, send, answer).
func WithTimeout(d time.Duration) Option {
	return func(n *Notifier) { n.timeout = d }
}

// Notifier posts alerts to one webhook receiver. It is safe for
// concurrent use.
type Notifier struct {
	url     string
	key     []byte // nil when requests are not signed
	client  *http.Client
	now     func() time.Time
	timeout time.Duration
	redact  notify.Redactor
}

// New validates cfg and returns a Notifier. Its errors never contain the
// URL or the secret.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	u, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	var key []byte
	if cfg.Secret != "" {
		if key, err = signingKey(cfg.Secret); err != nil {
			return nil, err
		}
	}
	n := &Notifier{
		url:     u.String(),
		key:     key,
		client:  http.DefaultClient,
		now:     time.Now,
		timeout: DefaultTimeout,
	}
	for _, opt := range opts {
		opt(n)
	}
	n.client = withoutRedirects(n.client)
	n.redact = notify.NewRedactor(append(notify.URLSecrets(cfg.URL, u), cfg.Secret, string(key))...)
	return n, nil
}

// parseURL accepts absolute http(s) URLs only. Its errors name no part of
// the URL, which is a credential.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("webhook url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("webhook url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("webhook url must use http or https")
	}
	if u.Host == "" {
		return nil, errors.New("webhook url has no host")
	}
	return u, nil
}

// withoutRedirects returns a copy of c that hands 3xx answers back instead
// of following them: a receiver that moved must be reconfigured, and
// following would re-send the alert (and its signature) to a third party.
func withoutRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Notify posts one alert. See the package documentation for the outcome.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	body, err := Payload(a)
	if err != nil {
		return false, fmt.Errorf("build webhook payload for alert %s: %w", a.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false, n.redact.Err(fmt.Errorf("build webhook request: %w", stripURL(err)))
	}
	n.setHeaders(req.Header, a.ID, body)

	resp, err := n.client.Do(req)
	if err != nil {
		return true, n.redact.Err(fmt.Errorf("post to webhook: %w", stripURL(err)))
	}
	defer resp.Body.Close()
	// A read error after the status arrived does not change the outcome:
	// the status line is the receiver's verdict.
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	retryable, err = notify.CheckResponse(resp, respBody, n.now())
	if err != nil {
		return retryable, n.redact.Err(fmt.Errorf("post to webhook: %w", err))
	}
	return false, nil
}

func (n *Notifier) setHeaders(h http.Header, id string, body []byte) {
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "newshound")
	h.Set("Idempotency-Key", id)
	if n.key == nil {
		return
	}
	ts := strconv.FormatInt(n.now().Unix(), 10)
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", sign(n.key, id, ts, body))
}

// stripURL removes the *url.Error layer, whose message quotes the URL.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
