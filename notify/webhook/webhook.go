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
// # Digests and templates
//
// NotifyDigest sends several alerts as one POST whose body is built by
// DigestPayload ({"id": "dg_…", "count": N, "digest": [per-alert
// objects]}); its id, used for webhook-id and Idempotency-Key, is
// news.DigestID of the alerts, so a retry of the same chunk carries the
// same id. With Config.Template set, the template renders the whole body
// instead (single and digest); it is checked to be JSON, and a render
// failure is permanent.
//
// # Outcome
//
// The receiver's status is mapped by notify.CheckResponse: 2xx delivered;
// 3xx (never followed), 408, 429 and 5xx retryable, keeping Retry-After;
// other 4xx permanent, and 410 Gone wraps notify.ErrGone so the
// Dispatcher disables the notifier. Transport errors and the per-attempt
// timeout are retryable: the receiver may have got the alert, and the id
// lets it deduplicate the repeat. Test sends like Notify and also returns
// the receiver's status line and body start.
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
	"github.com/newshound/newshound/notify/tmpl"
)

// DefaultTimeout bounds one delivery attempt when WithTimeout is not given.
const DefaultTimeout = 10 * time.Second

// maxResponseBody caps how much of a receiver's answer is read: enough for
// an error message, never enough to exhaust memory.
const maxResponseBody = 64 << 10

// Config is one webhook receiver. Both fields are secrets: the caller passes
// their revealed values.
type Config struct {
	// URL is the http or https endpoint alerts are POSTed to.
	URL string
	// Secret signs requests when non-empty ("whsec_" + base64, or raw).
	Secret string
	// Template, when set, renders the whole body instead of Payload and
	// DigestPayload; it must be of kind tmpl.Webhook.
	Template *tmpl.Template
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
	url      string
	key      []byte // nil when requests are not signed
	client   *http.Client
	now      func() time.Time
	timeout  time.Duration
	redact   notify.Redactor
	template *tmpl.Template // nil: the built-in payload
}

// New validates cfg and returns a Notifier. Its errors never contain the
// URL or the secret.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	u, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Template != nil && cfg.Template.Kind() != tmpl.Webhook {
		return nil, fmt.Errorf("webhook template must be of kind %v, not %v", tmpl.Webhook, cfg.Template.Kind())
	}
	var key []byte
	if cfg.Secret != "" {
		if key, err = signingKey(cfg.Secret); err != nil {
			return nil, err
		}
	}
	n := &Notifier{
		url:      u.String(),
		key:      key,
		client:   http.DefaultClient,
		now:      time.Now,
		timeout:  DefaultTimeout,
		template: cfg.Template,
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
	_, retryable, err = n.deliver(ctx, []news.Alert{a}, false)
	return retryable, err
}

// NotifyDigest posts alerts as one digest message (DigestPayload, or the
// template rendered with .Digest true), identified by news.DigestID.
func (n *Notifier) NotifyDigest(ctx context.Context, alerts []news.Alert) (retryable bool, err error) {
	if len(alerts) == 0 {
		return false, errors.New("webhook digest: no alerts")
	}
	_, retryable, err = n.deliver(ctx, alerts, true)
	return retryable, err
}

// Test posts a like Notify and returns what the receiver answered: its
// status line and the start of its body ("HTTP/1.1 204 No Content:
// (empty body)"), scrubbed of the URL and secret. answer is empty when
// no answer came (connection refused, timeout).
func (n *Notifier) Test(ctx context.Context, a news.Alert) (answer string, retryable bool, err error) {
	return n.deliver(ctx, []news.Alert{a}, false)
}

// body builds the request body and its id: the alert id, or the digest
// id. A template that fails to render is a permanent failure: the same
// alerts will fail the same way.
func (n *Notifier) body(alerts []news.Alert, digest bool) (id string, body []byte, err error) {
	id = alerts[0].ID
	if digest {
		id = news.DigestID(alerts)
	}
	switch {
	case n.template != nil:
		var s string
		s, err = n.template.Render(alerts, digest)
		body = []byte(s)
	case digest:
		body, err = DigestPayload(alerts)
	default:
		body, err = Payload(alerts[0])
	}
	return id, body, err
}

func (n *Notifier) deliver(ctx context.Context, alerts []news.Alert, digest bool) (answer string, retryable bool, err error) {
	id, body, err := n.body(alerts, digest)
	if err != nil {
		return "", false, n.redact.Err(fmt.Errorf("build webhook payload for %s: %w", id, err))
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return "", false, n.redact.Err(fmt.Errorf("build webhook request: %w", stripURL(err)))
	}
	n.setHeaders(req.Header, id, body)

	resp, err := n.client.Do(req)
	if err != nil {
		return "", true, n.redact.Err(fmt.Errorf("post to webhook: %w", stripURL(err)))
	}
	defer resp.Body.Close()
	// A read error after the status arrived does not change the outcome:
	// the status line is the receiver's verdict.
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	// Scrubbed whole, before an excerpt is cut from it: a cut through an
	// echoed secret would leave a prefix that no redactor recognises.
	respBody = []byte(n.redact.String(string(respBody)))
	answer = n.redact.String(resp.Proto + " " + resp.Status + ": " + notify.Excerpt(respBody))
	retryable, err = notify.CheckResponse(resp, respBody, n.now())
	if err != nil {
		err = n.redact.Err(fmt.Errorf("post to webhook: %w", err))
		if resp.StatusCode == http.StatusGone {
			// After redaction, which may drop the chain: ErrGone must
			// survive it for the Dispatcher to disable the notifier.
			return answer, false, fmt.Errorf("%w (%w)", err, notify.ErrGone)
		}
		return answer, retryable, err
	}
	return answer, false, nil
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

// The Dispatcher and `newshound test-notify` find these by type assertion.
var (
	_ notify.DigestNotifier = (*Notifier)(nil)
	_ notify.Tester         = (*Notifier)(nil)
)
