package app

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/console"
	"github.com/newshound/newshound/notify/email"
	"github.com/newshound/newshound/notify/quiet"
	"github.com/newshound/newshound/notify/slack"
	"github.com/newshound/newshound/notify/tmpl"
	"github.com/newshound/newshound/notify/webhook"
)

// buildNotifiers turns the configured notifiers into channels.
func (a *App) buildNotifiers(cfgs []config.Notifier) (map[string]notify.Channel, error) {
	out := make(map[string]notify.Channel, len(cfgs))
	for _, c := range cfgs {
		ch, err := NewChannel(c, a.opts)
		if err != nil {
			return nil, err
		}
		out[c.Name] = ch
	}
	return out, nil
}

// NewChannel builds the channel of one configured notifier exactly as the
// daemon does: the daemon and `newshound test-notify` share it, so a test
// send goes through the same code, template and transport. Secrets are
// revealed here and nowhere else; the channels keep them out of errors.
// opts is used for Transport, Now and Stdout (zero fields get their
// production defaults).
func NewChannel(c config.Notifier, opts Options) (notify.Channel, error) {
	opts = withDefaults(opts)
	t, err := notifierTemplate(c)
	if err != nil {
		return notify.Channel{}, fmt.Errorf("notifier %s: %w", c.Name, err)
	}
	q, err := notifierQuiet(c)
	if err != nil {
		return notify.Channel{}, fmt.Errorf("notifier %s: %w", c.Name, err)
	}
	client := &http.Client{Transport: opts.Transport}
	var (
		n notify.Notifier
		// digestSize is what one message of the channel can carry; 0
		// (webhook, console: no limit of their own) is the dispatcher's
		// default.
		digestSize int
	)
	switch {
	case c.Webhook != nil:
		n, err = webhook.New(webhook.Config{URL: c.Webhook.URL.Reveal(), Secret: c.Webhook.Secret.Reveal(), Template: t},
			webhook.WithHTTPClient(client), webhook.WithNow(opts.Now))
	case c.Slack != nil:
		n, err = slack.New(slack.Config{WebhookURL: c.Slack.WebhookURL.Reveal(), Template: t},
			slack.WithHTTPClient(client), slack.WithNow(opts.Now))
		digestSize = slack.MaxDigest
	case c.Email != nil:
		n, err = email.New(email.Config{
			Addr: c.Email.SMTP, TLS: c.Email.TLS, Username: c.Email.Username,
			Password: c.Email.Password.Reveal(), From: c.Email.From, To: c.Email.To, Template: t,
		}, email.WithNow(opts.Now), email.WithLogger(opts.Logger.With("notifier", c.Name)))
		digestSize = email.MaxDigest
	case c.Stdout != nil:
		n = console.New(opts.Stdout, console.WithTemplate(t))
	default:
		err = fmt.Errorf("no channel configured")
	}
	if err != nil {
		return notify.Channel{}, fmt.Errorf("notifier %s: %w", c.Name, err)
	}
	return notify.Channel{
		Notifier:    n,
		Quiet:       q,
		MaxQueueAge: c.MaxQueueAge,
		MinInterval: c.MinInterval,
		DigestSize:  digestSize,
		Fingerprint: Fingerprint(c),
	}, nil
}

// notifierTemplate is c's parsed template, nil for the built-in format.
// The channel and the config check (checkNotifiers) both parse through
// here, so a template `check` accepts is one `run` accepts.
func notifierTemplate(c config.Notifier) (*tmpl.Template, error) {
	if c.Template == "" {
		return nil, nil
	}
	kind, ok := templateKind(c)
	if !ok {
		return nil, fmt.Errorf("no channel configured")
	}
	t, err := tmpl.Parse(c.Name, kind, c.Template)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// templateKind is the kind of template c's channel renders: Text for
// stdout, Slack for slack, Webhook for webhook, HTML for email. ok is
// false for a notifier without a channel.
func templateKind(c config.Notifier) (kind tmpl.Kind, ok bool) {
	switch c.Kind() {
	case "stdout":
		return tmpl.Text, true
	case "slack":
		return tmpl.Slack, true
	case "webhook":
		return tmpl.Webhook, true
	case "email":
		return tmpl.HTML, true
	}
	return 0, false
}

// notifierQuiet is c's quiet-hours window, the zero Window for none. The
// channel and the config check both read it through here.
func notifierQuiet(c config.Notifier) (quiet.Window, error) {
	if c.Quiet == "" {
		return quiet.Window{}, nil
	}
	return quiet.Parse(c.Quiet)
}

// Fingerprint identifies c's settings: the hex of the first 16 bytes of
// a SHA-256 over the channel kind and every setting, revealed secrets and
// the template source included. It is a hash only, never the values; a
// notifier disabled because its receiver is gone is re-enabled when its
// fingerprint changes (the operator fixed the URL).
func Fingerprint(c config.Notifier) string {
	h := sha256.New()
	put := func(fields ...string) {
		for _, f := range fields {
			// Length-prefixed, so ("ab","c") and ("a","bc") differ.
			writeField(h, f)
		}
	}
	put(c.Kind())
	switch {
	case c.Webhook != nil:
		put(c.Webhook.URL.Reveal(), c.Webhook.Secret.Reveal())
	case c.Slack != nil:
		put(c.Slack.WebhookURL.Reveal())
	case c.Email != nil:
		m := c.Email
		put(m.SMTP, m.TLS, m.Username, m.Password.Reveal(), m.From, strconv.Itoa(len(m.To)))
		put(m.To...)
	}
	// Quiet hours count trimmed, as quiet.Window.String gives them, so
	// fingerprints stored before the window was kept as text still match.
	put(c.Digest, strings.TrimSpace(c.Quiet), c.MinInterval.String(), c.MaxQueueAge.String(), c.Template)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}
