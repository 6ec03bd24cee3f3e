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
// # Digests and templates
//
// NotifyDigest posts up to MaxDigest alerts as one message (DigestPayload:
// a header section naming the count and the watches, then one section
// per alert), sized to stay within Slack's limits. With Config.Template
// set, the template renders the mrkdwn text instead, from fields already
// escaped (package tmpl), and TemplatePayload places it in sections.
//
// # Outcome
//
// Slack confirms a post with HTTP 200 and the body "ok". HTTP 410, or
// (unless Slack failed with a 5xx) one of these answers, means the
// webhook or its channel is gone for good: channel_is_archived,
// channel_not_found, no_service, no_service_id, no_active_hooks, no_team,
// team_disabled, invalid_token, token_revoked, user_not_found. The error
// then wraps notify.ErrGone and is permanent, so the Dispatcher disables
// the notifier until its config changes.
// Other statuses go through notify.CheckResponse (429 and 5xx retryable
// with Retry-After, 3xx never followed, other 4xx — invalid_payload —
// permanent). A 2xx whose body is not "ok" is a permanent failure: Slack
// has looked at the message and refused it. Test sends like Notify and
// also returns Slack's status line and answer.
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
	"slices"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/tmpl"
)

// DefaultTimeout bounds one delivery attempt when WithTimeout is not given.
const DefaultTimeout = 10 * time.Second

// maxResponseBody caps how much of Slack's answer is read.
const maxResponseBody = 64 << 10

// Config is one Slack incoming webhook; WebhookURL is a secret.
type Config struct {
	WebhookURL string
	// Template, when set, renders the mrkdwn text of every message (single
	// and digest) instead of the built-in blocks; it must be of kind
	// tmpl.Slack. See TemplatePayload.
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
	url      string
	client   *http.Client
	now      func() time.Time
	timeout  time.Duration
	redact   notify.Redactor
	template *tmpl.Template // nil: the built-in blocks
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
	if cfg.Template != nil && cfg.Template.Kind() != tmpl.Slack {
		return nil, fmt.Errorf("slack template must be of kind %v, not %v", tmpl.Slack, cfg.Template.Kind())
	}
	n := &Notifier{
		url:      u.String(),
		client:   http.DefaultClient,
		now:      time.Now,
		timeout:  DefaultTimeout,
		template: cfg.Template,
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
	_, retryable, err = n.deliver(ctx, []news.Alert{a}, false)
	return retryable, err
}

// NotifyDigest posts alerts (at most MaxDigest) as one message: see
// DigestPayload, or the template rendered with .Digest true.
func (n *Notifier) NotifyDigest(ctx context.Context, alerts []news.Alert) (retryable bool, err error) {
	_, retryable, err = n.deliver(ctx, alerts, true)
	return retryable, err
}

// Test posts a like Notify and returns what Slack answered: the status
// line and the start of the body ("HTTP/1.1 200 OK: ok"), scrubbed of
// the webhook URL. answer is empty when no answer came.
func (n *Notifier) Test(ctx context.Context, a news.Alert) (answer string, retryable bool, err error) {
	return n.deliver(ctx, []news.Alert{a}, false)
}

// body builds the message: the template's, or the built-in one. A
// template that fails to render is a permanent failure.
func (n *Notifier) body(alerts []news.Alert, digest bool) ([]byte, error) {
	if len(alerts) == 0 {
		return nil, errors.New("no alerts")
	}
	switch {
	case n.template != nil:
		text, err := n.template.Render(alerts, digest)
		if err != nil {
			return nil, err
		}
		return TemplatePayload(text)
	case digest:
		return DigestPayload(alerts)
	}
	return Payload(alerts[0])
}

func (n *Notifier) deliver(ctx context.Context, alerts []news.Alert, digest bool) (answer string, retryable bool, err error) {
	body, err := n.body(alerts, digest)
	if err != nil {
		return "", false, n.redact.Err(fmt.Errorf("build slack message: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return "", false, n.redact.Err(fmt.Errorf("build slack request: %w", stripURL(err)))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "newshound")

	resp, err := n.client.Do(req)
	if err != nil {
		return "", true, n.redact.Err(fmt.Errorf("post to slack webhook: %w", stripURL(err)))
	}
	defer resp.Body.Close()
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	// Scrubbed whole, before an excerpt is cut from it: a cut through an
	// echoed secret would leave a prefix that no redactor recognises.
	respBody = []byte(n.redact.String(string(respBody)))
	answer = n.redact.String(resp.Proto + " " + resp.Status + ": " + notify.Excerpt(respBody))
	retryable, err = n.outcome(resp, respBody, readErr)
	return answer, retryable, err
}

// outcome maps Slack's answer to the Notifier contract.
func (n *Notifier) outcome(resp *http.Response, body []byte, readErr error) (retryable bool, err error) {
	if gone(resp.StatusCode, body) {
		err = n.redact.Err(fmt.Errorf("post to slack webhook: %s %s", resp.Status, notify.Excerpt(body)))
		// Wrapped after redaction, which may drop the chain.
		return false, fmt.Errorf("%w (%w)", err, notify.ErrGone)
	}
	retryable, err = notify.CheckResponse(resp, body, n.now())
	if err != nil {
		return retryable, n.redact.Err(fmt.Errorf("post to slack webhook: %w", err))
	}
	if readErr != nil {
		// The "ok" never arrived whole: Slack may or may not have posted.
		return true, n.redact.Err(fmt.Errorf("read slack answer: %w", stripURL(readErr)))
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		return false, n.redact.Err(fmt.Errorf("slack refused the message: %s %s",
			resp.Status, notify.Excerpt(body)))
	}
	return false, nil
}

// goneAnswers are the Slack answers that mean the webhook or its channel
// no longer exists (listed in the package documentation), so no retry or later alert can succeed until the
// operator reconfigures it: the channel was archived or deleted, the
// webhook (its "service") was removed or disabled, its token revoked, or
// the workspace disabled. Answers that an admin may lift or that concern
// one message (action_prohibited, posting_to_general_channel_denied,
// invalid_payload, too_many_attachments, msg_blocks_too_long) are
// permanent failures of the message, not a gone channel.
var goneAnswers = []string{
	"channel_is_archived", "channel_not_found", "no_service", "no_service_id",
	"no_active_hooks", "no_team", "team_disabled", "invalid_token", "token_revoked",
	"user_not_found",
}

// gone reports whether an answer says the webhook is gone for good: HTTP
// 410, or (unless the server failed, 5xx) a body that is one of
// goneAnswers.
func gone(code int, body []byte) bool {
	if code == http.StatusGone {
		return true
	}
	return code < 500 && slices.Contains(goneAnswers, strings.TrimSpace(string(body)))
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
