// Package slack delivers alerts to a Slack incoming webhook as Block Kit
// messages.
//
// # Safety of the message
//
// In Slack's mrkdwn, '&', '<' and '>' are control characters: "<!channel>"
// pings a whole channel and "<https://evil.example|bank>" shows a link
// whose text lies about its target. Every web-controlled field (title,
// snippet, seen spellings, and for good measure watch and source) is
// therefore flattened to one line, truncated by runes and passed through
// Escape. The article URL is linked only when it is absolute http(s), with
// the link syntax characters percent-encoded. Link and media unfurling are
// off, so Slack fetches nothing on our behalf.
//
// # Outcome
//
// Slack confirms a post with HTTP 200 and the body "ok". Statuses go
// through notify.CheckResponse (429 and 5xx retryable with Retry-After,
// 3xx never followed, other 4xx — invalid_payload, channel_not_found,
// channel_is_archived (410) — permanent). A 2xx whose body is not "ok" is a
// permanent failure: Slack has looked at the message and refused it.
//
// # Secrets
//
// The webhook URL is the credential (its path ends in the token). Errors
// never contain it: Go's *url.Error is unwrapped and every error is
// scrubbed of the URL and its parts.
package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
)

// DefaultTimeout bounds one delivery attempt when WithTimeout is not given.
const DefaultTimeout = 10 * time.Second

// maxResponseBody caps how much of Slack's answer is read.
const maxResponseBody = 64 << 10

// Config is one Slack incoming webhook; WebhookURL is a secret.
type Config struct {
	WebhookURL string
}

// Option customises a Notifier.
type Option func(*Notifier)

// WithHTTPClient sets the client whose Transport carries requests. The
// client is copied and its CheckRedirect replaced so that redirects are
// never followed.
func WithHTTPClient(c *http.Client) Option {
	return func(n *Notifier) { n.client = c }
}

// WithNow sets the clock used to read Retry-After dates.
func WithNow(now func() time.Time) Option {
	return func(n *Notifier) { n.now = now }
}

// WithTimeout bounds each delivery attempt (connect, send, answer).
func WithTimeout(d time.Duration) Option {
	return func(n *Notifier) { n.timeout = d }
}

// Notifier posts alerts to one Slack incoming webhook. It is safe for
// concurrent use.
type Notifier struct {
	url     string
	client  *http.Client
	now     func() time.Time
	timeout time.Duration
	redact  notify.Redactor
}

// New validates cfg and returns a Notifier. Its errors never contain the
// webhook URL.
func New(cfg Config, opts ...Option) (*Notifier, error) {
	if cfg.WebhookURL == "" {
		return nil, errors.New("slack webhook url is empty")
	}
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil {
		return nil, errors.New("slack webhook url is not a valid URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("slack webhook url must be an absolute http(s) URL")
	}
	n := &Notifier{
		url:     u.String(),
		client:  http.DefaultClient,
		now:     time.Now,
		timeout: DefaultTimeout,
	}
	for _, opt := range opts {
		opt(n)
	}
	cp := *n.client
	// A moved webhook must be reconfigured; following would hand the
	// message to wherever the redirect points.
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	n.client = &cp
	n.redact = notify.NewRedactor(notify.URLSecrets(cfg.WebhookURL, u)...)
	return n, nil
}

// Notify posts one alert. See the package documentation for the outcome.
func (n *Notifier) Notify(ctx context.Context, a news.Alert) (retryable bool, err error) {
	body, err := Payload(a)
	if err != nil {
		return false, fmt.Errorf("build slack message for alert %s: %w", a.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false, n.redact.Err(fmt.Errorf("build slack request: %w", stripURL(err)))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "newshound")

	resp, err := n.client.Do(req)
	if err != nil {
		return true, n.redact.Err(fmt.Errorf("post to slack webhook: %w", stripURL(err)))
	}
	defer resp.Body.Close()
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	retryable, err = notify.CheckResponse(resp, respBody, n.now())
	if err != nil {
		return retryable, n.redact.Err(fmt.Errorf("post to slack webhook: %w", err))
	}
	if readErr != nil {
		// The "ok" never arrived whole: Slack may or may not have posted.
		return true, n.redact.Err(fmt.Errorf("read slack answer: %w", stripURL(readErr)))
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(respBody)) != "ok" {
		return false, n.redact.Err(fmt.Errorf("slack refused the message: %s %s",
			resp.Status, excerpt(respBody)))
	}
	return false, nil
}

// stripURL removes the *url.Error layer, whose message quotes the URL.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// excerpt is at most 200 bytes of an answer, on one line, for errors.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " ")
	if s == "" {
		return "(empty body)"
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
