package app

import (
	"fmt"
	"net/http"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/console"
	"github.com/newshound/newshound/notify/email"
	"github.com/newshound/newshound/notify/slack"
	"github.com/newshound/newshound/notify/webhook"
)

// buildNotifiers turns the configured notifiers into channels. Secrets are
// revealed here and nowhere else; the channels keep them out of errors.
func (a *App) buildNotifiers(cfgs []config.Notifier) (map[string]notify.Channel, error) {
	client := &http.Client{Transport: a.opts.Transport}
	out := make(map[string]notify.Channel, len(cfgs))
	for _, c := range cfgs {
		var (
			n   notify.Notifier
			err error
		)
		switch {
		case c.Webhook != nil:
			n, err = webhook.New(webhook.Config{URL: c.Webhook.URL.Reveal(), Secret: c.Webhook.Secret.Reveal()},
				webhook.WithHTTPClient(client), webhook.WithNow(a.now))
		case c.Slack != nil:
			n, err = slack.New(slack.Config{WebhookURL: c.Slack.WebhookURL.Reveal()},
				slack.WithHTTPClient(client), slack.WithNow(a.now))
		case c.Email != nil:
			n, err = email.New(email.Config{
				Addr: c.Email.SMTP, TLS: c.Email.TLS, Username: c.Email.Username,
				Password: c.Email.Password.Reveal(), From: c.Email.From, To: c.Email.To,
			}, email.WithNow(a.now))
		case c.Stdout != nil:
			n = console.New(a.opts.Stdout)
		default:
			err = fmt.Errorf("no channel configured")
		}
		if err != nil {
			return nil, fmt.Errorf("notifier %s: %w", c.Name, err)
		}
		out[c.Name] = notify.Channel{Notifier: n}
	}
	return out, nil
}
