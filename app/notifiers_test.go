package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/email"
	"github.com/newshound/newshound/notify/slack"
)

func parseNotifiers(t *testing.T, notifiers string) *config.Config {
	t.Helper()
	y := `sources: [{name: s, feed: "https://example.org/feed"}]
watches: [{name: w, keywords: [k], notify: [n]}]
notifiers:
` + notifiers
	cfg, err := config.Parse([]byte(y), "", testEnv)
	if err != nil {
		t.Fatalf("config.Parse(%q) = %v", y, err)
	}
	return cfg
}

// TestNewChannelSettings: every delivery setting of a notifier reaches
// its channel.
func TestNewChannelSettings(t *testing.T) {
	cfg := parseNotifiers(t, `  - name: n
    slack: {webhook_url: "https://hooks.slack.com/services/T/B/X"}
    quiet: "22:00-07:00 Europe/Berlin"
    max_queue_age: 3d
  - name: m
    email: {smtp: "mail:25", from: a@example.org, to: [b@example.org]}
    rate_limit: 6/m
  - {name: o, stdout: {}}
`)
	tests := []struct {
		name        string
		quiet       string
		maxAge      time.Duration
		minInterval time.Duration
		digestSize  int
	}{
		{"n", "22:00-07:00 Europe/Berlin", 72 * time.Hour, time.Second, slack.MaxDigest},
		{"m", "", config.DefaultMaxQueueAge, 10 * time.Second, email.MaxDigest},
		{"o", "", config.DefaultMaxQueueAge, 0, 0},
	}
	for i, tt := range tests {
		ch, err := NewChannel(cfg.Notifiers[i], Options{})
		if err != nil {
			t.Fatalf("NewChannel(%s) = %v", tt.name, err)
		}
		if ch.Notifier == nil || ch.Quiet.String() != tt.quiet || ch.MaxQueueAge != tt.maxAge || ch.MinInterval != tt.minInterval ||
			ch.DigestSize != tt.digestSize || ch.Fingerprint != Fingerprint(cfg.Notifiers[i]) {
			t.Errorf("NewChannel(%s) = %+v; want quiet %q, max age %v, interval %v, digest size %d", tt.name, ch, tt.quiet, tt.maxAge, tt.minInterval, tt.digestSize)
		}
	}
}

// TestNewChannelTemplate: a notifier's template renders what its channel
// sends, over a real receiver and on the console.
func TestNewChannelTemplate(t *testing.T) {
	hook := testreceiver.NewWebhook(t)
	cfg := parseNotifiers(t, fmt.Sprintf(`  - name: n
    webhook: {url: "%s/x"}
    template: '{"text": {{json .Alert.Title}}, "custom": true}'
  - name: c
    stdout: {}
    template: "CUSTOM {{.Alert.Watch}}: {{.Alert.Title}}"
`, hook.URL))
	alert := news.Alert{ID: "nh_1", Watch: "w", Source: "s", URL: "https://example.org/a", Title: "CENTCOM update", Found: time.Now()}
	ch, err := NewChannel(cfg.Notifiers[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Notifier.Notify(context.Background(), alert); err != nil {
		t.Fatalf("Notify through the templated webhook = %v", err)
	}
	got := hook.Delivered()
	if len(got) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(got))
	}
	if want := map[string]any{"text": "CENTCOM update", "custom": true}; fmt.Sprint(got[0].Payload) != fmt.Sprint(want) {
		raw, _ := json.Marshal(got[0].Payload)
		t.Errorf("webhook body = %s, want the template's %v", raw, want)
	}
	var out bytes.Buffer
	ch, err = NewChannel(cfg.Notifiers[1], Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Notifier.Notify(context.Background(), alert); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "CUSTOM w: CENTCOM update") {
		t.Errorf("console output = %q, want the template's line", out.String())
	}
}

// TestFingerprint: a hash of every setting, secrets and template
// included, that never shows them.
func TestFingerprint(t *testing.T) {
	const secret = "sentinel-secret-5d2e"
	base := func() config.Notifier {
		return config.Notifier{Name: "n", Webhook: &config.Webhook{URL: "https://h.example/x", Secret: secret}, MaxQueueAge: time.Hour}
	}
	fp := Fingerprint(base())
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(fp) || strings.Contains(fp, secret) {
		t.Fatalf("Fingerprint = %q, want 32 hex digits", fp)
	}
	if again := Fingerprint(base()); again != fp {
		t.Errorf("Fingerprint is not stable: %q then %q", fp, again)
	}
	changes := map[string]func(*config.Notifier){
		"url":           func(n *config.Notifier) { n.Webhook.URL = "https://h.example/y" },
		"secret":        func(n *config.Notifier) { n.Webhook.Secret = secret + "!" },
		"template":      func(n *config.Notifier) { n.Template = `{"a": 1}` },
		"digest":        func(n *config.Notifier) { n.Digest = "@daily" },
		"rate":          func(n *config.Notifier) { n.MinInterval = time.Second },
		"max queue age": func(n *config.Notifier) { n.MaxQueueAge = 2 * time.Hour },
		"kind": func(n *config.Notifier) {
			n.Webhook, n.Slack = nil, &config.Slack{WebhookURL: "https://h.example/x"}
		},
		// Field boundaries count: the same bytes split differently differ.
		"boundary": func(n *config.Notifier) {
			n.Webhook.URL, n.Webhook.Secret = config.Secret("https://h.example/x"+secret[:3]), config.Secret(secret[3:])
		},
	}
	for name, change := range changes {
		n := base()
		change(&n)
		if got := Fingerprint(n); got == fp {
			t.Errorf("Fingerprint unchanged after changing the %s", name)
		}
	}
}
