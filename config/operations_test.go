package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestIsLoopbackListen(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.10.20.30:8080", true},
		{"localhost:8080", true},
		{"LocalHost:8080", true},
		{"[::1]:8080", true},
		{"[::ffff:127.0.0.1]:8080", true},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{":8080", false},
		{"192.168.1.10:8080", false},
		{"10.0.0.1:80", false},
		{"[fe80::1%eth0]:8080", false},
		{"[::ffff:10.0.0.1]:8080", false},
		{"status.example.org:8080", false},
		{"localhost.example.org:8080", false},
		{"127.0.0.1.nip.io:8080", false},
		{"127.0.0.1", false}, // no port: not an address at all
		{"", false},
	}
	for _, tt := range tests {
		if got := IsLoopbackListen(tt.addr); got != tt.want {
			t.Errorf("IsLoopbackListen(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true}, {":8080", true}, {"[::]:1", true}, {"localhost:65535", true},
		{"status.example.org:443", true}, {"[fe80::1%eth0]:8080", true},
		{"8080", false}, {"127.0.0.1:0", false}, {"127.0.0.1:65536", false}, {"127.0.0.1:http", false},
		{"127.0.0.1:+80", false}, {"bad host:80", false}, {"-a.example:80", false}, {"::1:8080", false}, {"", false},
	}
	for _, tt := range tests {
		if got := checkListen(tt.addr) == ""; got != tt.ok {
			t.Errorf("checkListen(%q) ok = %v, want %v", tt.addr, got, tt.ok)
		}
	}
}

func TestOperationsAccepted(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(*Config) string
	}{
		{"retention defaults", doc(okSources, okWatches, okNotifiers),
			func(c *Config) string {
				return want(fmt.Sprintf("%v %v %v %q %v", c.Retention.Seen, c.Retention.Alerts, c.Retention.Text, c.Listen, c.ListenAuth),
					"4320h0m0s 2160h0m0s 336h0m0s \"\" <nil>")
			}},
		{"retention given", doc("retention: {seen: 1d12h, alerts: 36h, text: 2d}", okSources, okWatches, okNotifiers),
			func(c *Config) string {
				return want(fmt.Sprintf("%v %v %v", c.Retention.Seen, c.Retention.Alerts, c.Retention.Text), "36h0m0s 36h0m0s 48h0m0s")
			}},
		{"keep_text alone", doc("keep_text: 30d", okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Retention.Text.String(), "720h0m0s") }},
		{"keep_text after retention, agreeing", doc("retention: {text: 30d}", "keep_text: 720h", okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(fmt.Sprint(c.Retention.Text), "720h0m0s") }},
		{"loopback without auth", doc("listen: 127.0.0.1:8080", okSources, okWatches, okNotifiers),
			func(c *Config) string {
				return want(fmt.Sprintf("%s %v", c.Listen, c.ListenAuth == nil), "127.0.0.1:8080 true")
			}},
		{"localhost without auth", doc("listen: localhost:8080", okSources, okWatches, okNotifiers),
			func(c *Config) string { return "" }},
		{"everywhere with bearer", doc("listen: 0.0.0.0:8080", "listen_auth: {bearer: 0123456789abcdef}", okSources, okWatches, okNotifiers),
			func(c *Config) string {
				return want(c.ListenAuth.Bearer.Reveal()+fmt.Sprint(c.ListenAuth.Basic), "0123456789abcdef<nil>")
			}},
		{"loopback with basic", doc("listen: '[::1]:9000'", "listen_auth:", "  basic:", "    username: ops", "    password: correct-horse", okSources, okWatches, okNotifiers),
			func(c *Config) string {
				b := c.ListenAuth.Basic
				return want(b.Username+" "+b.Password.Reveal(), "ops correct-horse")
			}},
		{"null listen_auth", doc("listen: 127.0.0.1:8080", "listen_auth:", okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(fmt.Sprint(c.ListenAuth == nil), "true") }},
	}
	for _, tt := range tests {
		c, err := Parse([]byte(tt.yaml), "", testEnv)
		if err != nil {
			t.Errorf("%s: Parse(%q) = %v", tt.name, tt.yaml, err)
			continue
		}
		if msg := tt.check(c); msg != "" {
			t.Errorf("%s: Parse(%q): %s", tt.name, tt.yaml, msg)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() after Parse = %v", tt.name, err)
		}
	}
}

// TestValidateOperations covers a Config built in code: the same rules,
// without lines.
func TestValidateOperations(t *testing.T) {
	base := func() *Config {
		c, err := Parse([]byte(doc(okSources, okWatches, okNotifiers)), "", testEnv)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := base()
	c.Listen = "0.0.0.0:8080"
	c.Retention = Retention{Seen: time.Hour, Alerts: 2 * time.Hour, Text: -time.Hour}
	got := fmt.Sprint(c.Validate())
	wantErr := "retention.text: must be greater than zero\n" +
		"retention.seen: 1h0m0s is shorter than retention.alerts (2h0m0s): articles would be forgotten while their alerts are kept, " +
		"and a source that still lists them would have them fetched and matched again; keep seen at least as long as alerts\n" +
		"listen: 0.0.0.0:8080 is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server"
	if got != wantErr {
		t.Errorf("Validate() = %q, want %q", got, wantErr)
	}
	c = base()
	c.Listen, c.ListenAuth = "0.0.0.0:8080", &ListenAuth{Basic: &BasicAuth{Username: "ops", Password: "correct-horse"}}
	c.Retention = Retention{} // zero: keep forever, as the store reads it
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(basic auth, zero retention) = %v, want nil", err)
	}
}

// secretFiles writes the files of a config using *_file for every secret
// into a fresh folder, and returns the folder.
func secretFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fileSecretsConfig uses the file variant of every secret: absolute through
// ${CREDENTIALS_DIRECTORY}, and relative to the config file's folder.
const fileSecretsConfig = okSources + "\n" + okWatches + `
listen: 0.0.0.0:8080
listen_auth:
  bearer_file: ${CREDENTIALS_DIRECTORY}/listen-token
notifiers:
  - name: n
    webhook:
      url_file: ${CREDENTIALS_DIRECTORY}/hook-url
      secret_file: creds/hook-secret
  - {name: s, slack: {webhook_url_file: "${CREDENTIALS_DIRECTORY}/slack-webhook"}}
  - {name: m, email: {smtp: "h:25", username: u, password_file: creds/smtp, from: a@example.org, to: [b@example.org]}}
`

// fileSecrets are the sentinel secrets the files hold, by file name.
var fileSecrets = map[string]string{
	"run/creds/listen-token":  "SENTINEL-TOKEN-0123456789",
	"run/creds/hook-url":      "https://hooks.example.org/SENTINEL-HOOK",
	"etc/creds/hook-secret":   "SENTINEL-HOOK-SECRET",
	"run/creds/slack-webhook": "https://hooks.slack.com/services/SENTINEL-SLACK",
	"etc/creds/smtp":          "SENTINEL PASSWORD with spaces ",
}

func TestSecretFiles(t *testing.T) {
	files := map[string]string{}
	for name, v := range fileSecrets {
		files[name] = v + "\n" // as `echo` writes them
	}
	files["run/creds/slack-webhook"] = fileSecrets["run/creds/slack-webhook"] + "\r\n\n"
	files["etc/newshound.yaml"] = fileSecretsConfig
	dir := secretFiles(t, files)
	env := func(name string) (string, bool) {
		if name == "CREDENTIALS_DIRECTORY" {
			return filepath.Join(dir, "run", "creds"), true
		}
		return "", false
	}
	c, err := Load(filepath.Join(dir, "etc", "newshound.yaml"), env)
	if err != nil {
		t.Fatalf("Load(file secrets) = %v", err)
	}
	got := map[string]string{
		"run/creds/listen-token":  c.ListenAuth.Bearer.Reveal(),
		"run/creds/hook-url":      c.Notifiers[0].Webhook.URL.Reveal(),
		"etc/creds/hook-secret":   c.Notifiers[0].Webhook.Secret.Reveal(),
		"run/creds/slack-webhook": c.Notifiers[1].Slack.WebhookURL.Reveal(),
		"etc/creds/smtp":          c.Notifiers[2].Email.Password.Reveal(),
	}
	for name, v := range fileSecrets {
		if got[name] != v {
			t.Errorf("secret from %s = %q, want %q (trailing line breaks trimmed, nothing else)", name, got[name], v)
		}
	}
	for _, out := range printed(t, c, c.ListenAuth, *c.Notifiers[0].Webhook) {
		if strings.Contains(out, "SENTINEL") {
			t.Errorf("a secret read from a file is printed:\n%s", out)
		}
	}
}

// printed is every way a value reaches a log or a screen.
func printed(t *testing.T, values ...any) []string {
	t.Helper()
	var outs []string
	for _, v := range values {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			outs = append(outs, fmt.Sprintf(f, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "v", v)
		outs = append(outs, string(j), string(y), logs.String())
	}
	return outs
}

// TestSecretFileProblems: a bad secret file is reported at its *_file key
// with its path and the reason, and never with its contents.
func TestSecretFileProblems(t *testing.T) {
	big := strings.Repeat("SENTINEL", maxSecretFile/8+1)
	dir := secretFiles(t, map[string]string{
		"two-lines":  "SENTINEL-ONE\nSENTINEL-TWO\n",
		"empty":      "\n\n",
		"big":        big,
		"not-https":  "http://hooks.slack.com/SENTINEL-SLACK\n",
		"not-a-url":  "SENTINEL-HOOK\n",
		"short":      "SENTINEL\n",
		"no-user":    "SENTINEL-PASSWORD\n",
		"unreadable": "SENTINEL-UNREADABLE\n",
	})
	if err := os.Chmod(filepath.Join(dir, "unreadable"), 0); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, yaml, want string }{
		{"two lines", "notifiers: [{name: n, slack: {webhook_url_file: two-lines}}]",
			"notifiers[0].slack.webhook_url_file (line 3): $DIR/two-lines holds more than one line: a secret file holds one value"},
		{"empty", "notifiers: [{name: n, slack: {webhook_url_file: empty}}]",
			"notifiers[0].slack.webhook_url_file (line 3): $DIR/empty is empty"},
		{"big", "notifiers: [{name: n, slack: {webhook_url_file: big}}]",
			"notifiers[0].slack.webhook_url_file (line 3): $DIR/big is larger than 64 KiB: a secret file holds one value"},
		{"fifo", "notifiers: [{name: n, webhook: {url: 'https://h.example/x', secret_file: fifo}}]",
			"notifiers[0].webhook.secret_file (line 3): $DIR/fifo is not a regular file"},
		{"slack not https", "notifiers: [{name: n, slack: {webhook_url_file: not-https}}]",
			"notifiers[0].slack.webhook_url_file (line 3): must be an absolute https URL (http only for loopback hosts)"},
		{"webhook not a url", "notifiers: [{name: n, webhook: {url_file: ./not-a-url}}]",
			"notifiers[0].webhook.url_file (line 3): must be an absolute http or https URL"},
		{"password without username", "notifiers: [{name: n, email: {smtp: 'h:25', password_file: no-user, from: a@example.org, to: [b@example.org]}}]",
			"notifiers[0].email.password_file (line 3): only valid with username"},
		{"bearer short", "listen: ':8080'\nlisten_auth: {bearer_file: short}\n" + okNotifiers,
			"listen_auth.bearer_file (line 4): must be at least 16 characters (a token from e.g. `openssl rand -hex 32`)"},
		{"basic password short", "listen: ':8080'\nlisten_auth: {basic: {username: u, password_file: short}}\n" + okNotifiers,
			"listen_auth.basic.password_file (line 4): must be at least 12 characters"},
	}
	if os.Geteuid() != 0 { // root reads a file of mode 0
		cases = append(cases, struct{ name, yaml, want string }{"unreadable", "notifiers: [{name: n, slack: {webhook_url_file: unreadable}}]",
			"notifiers[0].slack.webhook_url_file (line 3): cannot read $DIR/unreadable: permission denied"})
	}
	for _, tc := range cases {
		yamlText := doc(okSources, okWatches, tc.yaml)
		_, err := Parse([]byte(yamlText), filepath.Join(dir, "newshound.yaml"), testEnv)
		var cerr *Error
		if !errors.As(err, &cerr) {
			t.Errorf("%s: Parse = %v, want an *Error", tc.name, err)
			continue
		}
		got := strings.ReplaceAll(err.Error(), dir, "$DIR")
		if got != tc.want {
			t.Errorf("%s: Parse(%q) = %q, want %q", tc.name, tc.yaml, got, tc.want)
		}
		for _, out := range append(printed(t, cerr.Problems), err.Error()) {
			if strings.Contains(out, "SENTINEL") {
				t.Errorf("%s: a problem quotes the secret file's contents:\n%s", tc.name, out)
			}
		}
	}
}
