package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/golden"
)

// fullEnv is the environment the full sample is loaded with.
func fullEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"WEBHOOK_SECRET":    "whsec-sample",
		"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/sample",
		"SMTP_PASSWORD":     "smtp-sample",
	}[name]
	return v, ok
}

// golden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestLoadFull(t *testing.T) {
	c, err := Load("testdata/full.yaml", fullEnv)
	if err != nil {
		t.Fatalf("Load(full.yaml) = %v", err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "full.yaml"); c.Path != want {
		t.Errorf("Path = %q, want %q", c.Path, want)
	}
	if want := filepath.Join(dir, "newshound.db"); c.Data != want {
		t.Errorf("Data = %q, want %q", c.Data, want)
	}
	// The golden file shows every decoded value, with defaults applied
	// and secrets masked; the revealed secrets are checked here.
	for _, n := range c.Notifiers {
		var got, want string
		switch n.Kind() {
		case "webhook":
			got, want = n.Webhook.URL.Reveal()+" "+n.Webhook.Secret.Reveal(), "https://hooks.example.org/newshound-from-file whsec-sample"
		case "slack":
			got, want = n.Slack.WebhookURL.Reveal(), "https://hooks.slack.com/services/T0/B0/sample"
		case "email":
			got, want = n.Email.Password.Reveal(), "smtp-sample"
		}
		if got != want {
			t.Errorf("notifier %s: secret = %q, want %q", n.Name, got, want)
		}
	}
	if got := c.ListenAuth.Basic.Password.Reveal(); got != "ops-password-sample" {
		t.Errorf("listen_auth.basic.password_file: password = %q, want %q", got, "ops-password-sample")
	}
	c.Path, c.Data = "$DIR/full.yaml", "$DIR/newshound.db"
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ops-password-sample", "newshound-from-file", "whsec-sample", "smtp-sample", "T0/B0/sample"} {
		if bytes.Contains(out.Bytes(), []byte(secret)) {
			t.Errorf("the encoded config shows the secret %q", secret)
		}
	}
	checkGolden(t, "full.golden.json", out.Bytes())
}

// TestParseInvalidGolden loads a file with many problems: all are reported
// at once, in document order, whatever rule (decoding or semantic) found
// them.
func TestParseInvalidGolden(t *testing.T) {
	_, err := Load("testdata/invalid.yaml", testEnv)
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load(invalid.yaml) = %v, want an *Error", err)
	}
	checkGolden(t, "invalid.golden", []byte(err.Error()+"\n"))
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(doc(okSources, okWatches, okNotifiers)), "", testEnv)
	if err != nil {
		t.Fatalf("Parse(minimal) = %v", err)
	}
	want := Defaults{Schedule: "@every 15m", MaxAge: 72 * time.Hour, Timeout: 30 * time.Second, PassTimeout: 10 * time.Minute}
	if c.Defaults != want {
		t.Errorf("Defaults = %+v, want %+v", c.Defaults, want)
	}
	s := c.Sources[0]
	if s.Schedule != want.Schedule || s.MaxAge != want.MaxAge || s.Timeout != want.Timeout || s.UserAgent != "" ||
		s.PassTimeout != want.PassTimeout || s.MaxAlerts != DefaultMaxAlerts || s.MaxItems != DefaultMaxItems {
		t.Errorf("Sources[0] = %+v, want the built-in defaults", s)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "" || c.Data != filepath.Join(cwd, "newshound.db") {
		t.Errorf("Path, Data = %q, %q, want \"\", %q", c.Path, c.Data, filepath.Join(cwd, "newshound.db"))
	}
}

func TestParseData(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(dir, "elsewhere", "db.bolt")
	tests := []struct{ data, path, want string }{
		{"", filepath.Join(dir, "nh.yaml"), filepath.Join(dir, "newshound.db")},
		{"data: state/nh.db", filepath.Join(dir, "nh.yaml"), filepath.Join(dir, "state", "nh.db")},
		{"data: ../up.db", filepath.Join(dir, "etc", "nh.yaml"), filepath.Join(dir, "up.db")},
		{"data: " + abs, filepath.Join(dir, "nh.yaml"), abs},
		{"data: ~", filepath.Join(dir, "nh.yaml"), filepath.Join(dir, "newshound.db")},
	}
	for _, tt := range tests {
		c, err := Parse([]byte(doc(tt.data, okSources, okWatches, okNotifiers)), tt.path, testEnv)
		if err != nil {
			t.Fatalf("Parse(%q, %q) = %v", tt.data, tt.path, err)
		}
		if c.Data != tt.want || c.Path != tt.path {
			t.Errorf("Parse(%q, %q): Data, Path = %q, %q, want %q, %q", tt.data, tt.path, c.Data, c.Path, tt.want, tt.path)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), testEnv)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want fs.ErrNotExist", err)
	}
}

func TestParseNilLookup(t *testing.T) {
	if _, err := Parse([]byte(doc(okSources, okWatches, okNotifiers)), "", nil); err == nil {
		t.Error("Parse with a nil lookup succeeded, want an error")
	}
}

// TestParseAccepts covers values near the edges of the rules that must
// be accepted, and what they decode to.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(*Config) string // returns what is wrong, or ""
	}{
		{"slack over http on loopback", doc(okSources, okWatches,
			"notifiers: [{name: n, slack: {webhook_url: 'http://127.0.0.1:8080/x'}}, {name: m, slack: {webhook_url: 'http://[::1]/x'}}, {name: o, slack: {webhook_url: 'http://localhost/x'}}]"),
			func(c *Config) string { return want(c.Notifiers[2].Slack.WebhookURL.Reveal(), "http://localhost/x") }},
		{"days and hours", doc(`sources: [{name: s, feed: "https://example.org/", max_age: 1d12h, timeout: 90s}]`, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Sources[0].MaxAge.String(), "36h0m0s") }},
		{"dollar escape", doc(`sources: [{name: s, feed: "https://example.org/?q=$$x&p=$y"}]`, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Sources[0].Feed, "https://example.org/?q=$x&p=$y") }},
		{"env in url", doc(`sources: [{name: s, feed: "${FEED_URL}/world"}]`, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Sources[0].URL(), "https://example.org/rss/world") }},
		{"env empty optional", doc(okSources, okWatches, "notifiers: [{name: n, webhook: {url: 'https://h.example/x', secret: '${EMPTY}'}}]"),
			func(c *Config) string { return want(c.Notifiers[0].Webhook.Secret.Reveal(), "") }},
		{"null optional overrides keep defaults", doc("defaults: {timeout: 5s}", `sources: [{name: s, feed: "https://example.org/", timeout: ~, schedule: ""}]`, okWatches, okNotifiers),
			func(c *Config) string {
				return want(c.Sources[0].Timeout.String()+" "+c.Sources[0].Schedule, "5s @every 15m")
			}},
		{"time zone schedule", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "CRON_TZ=Europe/Berlin 0 6 * * 1-5"}]`, okWatches, okNotifiers),
			func(c *Config) string { return "" }},
		{"leap day schedule", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "0 0 29 2 *"}]`, okWatches, okNotifiers),
			func(c *Config) string { return "" }},
		{"descriptor", doc(`defaults: {schedule: "@hourly"}`, okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Sources[0].Schedule, "@hourly") }},
		{"trimmed terms", doc(okSources, "watches: [{name: w, entities: [' A ', {name: ' B', aliases: [' b ']}], keywords: [' k '], notify: [n]}]", okNotifiers),
			func(c *Config) string {
				w := c.Watches[0]
				return want(w.Entities[0].Name+"|"+w.Entities[1].Name+"|"+w.Entities[1].Aliases[0].Text+"|"+w.Keywords[0], "A|B|b|k")
			}},
		{"entity rules", doc(okSources, "watches:", "  - name: w", "    entities:", "      - name: ISIS",
			"        case: sensitive", "        aliases: [Daesh, {text: IS, case: sensitive}, {text: Isil, case: insensitive}]",
			`        exclude: ["Isis River"]`, "    notify: [n]", okNotifiers),
			func(c *Config) string {
				e := c.Watches[0].Entities[0]
				return want(fmt.Sprintf("%v %v %v", e.CaseSensitive, e.Aliases, e.Exclude), "true [{Daesh false} {IS true} {Isil false}] [Isis River]")
			}},
		{"query and min_mentions", doc(okSources, "watches:", "  - name: w", `    query: '("al Hol" OR CENTCOM) AND NOT football'`, "    min_mentions: 2", "    notify: [n]", okNotifiers),
			func(c *Config) string {
				w := c.Watches[0]
				return want(fmt.Sprintf("%s|%d", w.Query, w.MinMentions), `("al Hol" OR CENTCOM) AND NOT football|2`)
			}},
		{"keep_text default", doc(okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Retention.Text.String(), "336h0m0s") }},
		{"keep_text days", doc("keep_text: 30d", okSources, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Retention.Text.String(), "720h0m0s") }},
		{"crawl and health", doc("crawl: {per_host: 1, host_delay: 0s, max_in_flight: 4}", "health: {notify: [n], threshold: 5}",
			`sources: [{name: s, url: "https://example.org/", robots: false, max_items: 20}]`, okWatches, okNotifiers),
			func(c *Config) string {
				s := c.Sources[0]
				return want(fmt.Sprintf("%+v %v %d %s %v %d %s", c.Crawl, c.Health.Notify, c.Health.Threshold, s.Kind(), s.Robots, s.MaxItems, s.URL()),
					"{MaxInFlight:4 PerHost:1 HostDelay:0s RobotsTTL:24h0m0s MaxBackoff:6h0m0s} [n] 5 site false 20 https://example.org/")
			}},
		{"crawl defaults", doc(okSources, okWatches, okNotifiers),
			func(c *Config) string {
				return want(fmt.Sprintf("%+v %d %v %d", c.Crawl, c.Health.Threshold, c.Sources[0].Robots, c.Sources[0].MaxItems),
					"{MaxInFlight:8 PerHost:2 HostDelay:1s RobotsTTL:24h0m0s MaxBackoff:6h0m0s} 3 true 200")
			}},
		{"numeric name", doc(`sources: [{name: 2024, feed: "https://example.org/"}]`, okWatches, okNotifiers),
			func(c *Config) string { return want(c.Sources[0].Name, "2024") }},
		{"email defaults", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'mail:25', from: 'N <a@example.org>', to: [b@example.org]}}]"),
			func(c *Config) string { return want(c.Notifiers[0].Email.TLS, "starttls") }},
		{"stdout as null", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout:"),
			func(c *Config) string { return want(c.Notifiers[0].Kind(), "stdout") }},
		{"document markers", "---\n" + doc(okSources, okWatches, okNotifiers) + "---\n",
			func(c *Config) string { return "" }},
		{"anchors without aliases", doc(okSources, okWatches, "notifiers: [&n {name: n, stdout: {}}]"),
			func(c *Config) string { return "" }},
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

func want(got, want string) string {
	if got == want {
		return ""
	}
	return fmt.Sprintf("got %q, want %q", got, want)
}
