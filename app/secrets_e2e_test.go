package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testsite"
)

// Sentinels: each secret of the config carries one, so any of them
// turning up in a log line, an error, a notice or a stored reason is
// caught whichever path leaked it.
const (
	sentinelHookPath   = "SENTINEL-HOOK-PATH-7c1e"
	sentinelHookQuery  = "SENTINEL-HOOK-QUERY-52b9"
	sentinelHookSecret = "SENTINEL-HOOK-SECRET-e04d"
	sentinelSlackPath  = "SENTINEL-SLACK-PATH-1fa8"
	sentinelSMTPPass   = "SENTINEL-SMTP-PASSWORD-93c0"
)

// secretsConfig routes one watch to three failing channels and the
// delivery notices to stdout. %[1]s news site, %[2]s webhook receiver,
// %[3]s Slack receiver, %[4]s an SMTP address that refuses connections,
// %[5]s the data file.
const secretsConfig = `
data: %[5]s
crawl: {host_delay: 0s}
health: {notify: [console]}
sources:
  - name: wire
    feed: %[1]s/rss.xml
watches:
  - name: detainees
    entities:
      - name: al Hol
        aliases: [al-Hawl]
    notify: [hook, team, mail]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/` + sentinelHookPath + `?token=` + sentinelHookQuery + `
      secret: ${HOOK_SECRET}
  - name: team
    slack:
      webhook_url: %[3]s/services/` + sentinelSlackPath + `
  - name: mail
    email:
      smtp: %[4]s
      tls: none
      username: desk
      password: ${SMTP_PASSWORD}
      from: alerts@example.org
      to: [desk@example.org]
  - name: console
    stdout: {}
`

// TestNoSecretLeaksWhenEveryChannelFails drives the daemon through the
// failure paths where a secret is most likely to escape: a webhook
// receiver that echoes the request URL (token included) in its error
// bodies, first as a 500 (retried) and then as a 401 (dead letter); a
// Slack webhook that is gone (410, the notifier is disabled and a notice
// goes out) and also echoes its URL; an SMTP server that cannot be
// reached with a password configured. Debug logs, the notices written by
// the stdout notifier, the dead letters' reasons and the disabled
// notifier's reason must hold none of the sentinels.
func TestNoSecretLeaksWhenEveryChannelFails(t *testing.T) {
	site := testsite.NewNews(t)
	clock := testclock.New(time.Now().UTC())
	publishStories(site, clock.Now())

	hookCalls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookCalls++
		status := http.StatusInternalServerError
		if hookCalls > 1 {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "bad request to %s (signature %s)", r.URL.String(), r.Header.Get("webhook-signature"))
	}))
	defer hook.Close()
	slackSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
		fmt.Fprintf(w, "no such hook %s", r.URL.Path)
	}))
	defer slackSrv.Close()
	refused := closedAddr(t)

	dir := t.TempDir()
	path := filepath.Join(dir, "newshound.yaml")
	text := fmt.Sprintf(secretsConfig, site.URL(""), hook.URL, slackSrv.URL, refused, "newshound.db")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(name string) (string, bool) {
		switch name {
		case "HOOK_SECRET":
			return sentinelHookSecret, true
		case "SMTP_PASSWORD":
			return sentinelSMTPPass, true
		}
		return "", false
	}
	cfg, err := config.Load(path, env)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}

	var logs testlog.Buffer
	var stdout bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(cfg, Options{Now: clock.Now, Logger: logger, Stdout: &stdout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	for range 3 {
		runOnce(t, a)
		clock.Advance(2 * time.Hour) // past any backoff
	}

	dead, err := a.store.DeadLetters()
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	disabled, err := a.store.DisabledNotifiers()
	if err != nil {
		t.Fatalf("DisabledNotifiers: %v", err)
	}
	queued, err := a.store.Queued()
	if err != nil {
		t.Fatalf("Queued: %v", err)
	}
	// The failure paths really ran: otherwise the test proves nothing.
	if hookCalls < 2 {
		t.Fatalf("webhook receiver called %d times, want the 500 and then the 401", hookCalls)
	}
	if len(dead) == 0 || len(disabled) != 1 || disabled[0].Name != "team" {
		t.Fatalf("dead letters = %d, disabled = %+v; want dead webhook entries and team disabled", len(dead), disabled)
	}
	if !strings.Contains(stdout.String(), "could not be delivered") && !strings.Contains(stdout.String(), "disabled") {
		t.Errorf("no delivery notice written to stdout:\n%s", stdout.String())
	}

	var stored strings.Builder
	for _, e := range append(dead, queued...) {
		fmt.Fprintln(&stored, e.ID, e.LastError)
	}
	for _, d := range disabled {
		fmt.Fprintln(&stored, d.Name, d.Reason)
	}
	for what, text := range map[string]string{"logs": logs.String(), "stdout notices": stdout.String(), "store reasons": stored.String()} {
		for _, s := range []string{sentinelHookPath, sentinelHookQuery, sentinelHookSecret, sentinelSlackPath, sentinelSMTPPass} {
			if strings.Contains(text, s) {
				t.Errorf("%s contain the secret %q:\n%s", what, s, text)
			}
		}
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
