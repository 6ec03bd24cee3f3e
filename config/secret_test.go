package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSecretPrints(t *testing.T) {
	s := Secret("hunter2")
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "<secret>"}, {"%+v", "<secret>"}, {"%#v", "<secret>"}, {"%s", "<secret>"},
		{"%q", `"<secret>"`}, {"%x", "<secret>"}, {"%d", "<secret>"}, {"%10s", "<secret>"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, s); got != tt.want {
			t.Errorf("Sprintf(%q, secret) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprintf("%q|%v", Secret(""), Secret("")); got != `""|` {
		t.Errorf(`Sprintf("%%q|%%v", empty) = %q, want %q`, got, `""|`)
	}
	if s.String() != "<secret>" || s.GoString() != "<secret>" || s.Reveal() != "hunter2" {
		t.Errorf("String, GoString, Reveal = %q, %q, %q", s.String(), s.GoString(), s.Reveal())
	}
	j, err := json.Marshal(map[string]Secret{"a": s, "b": ""})
	if err != nil || string(j) != `{"a":"\u003csecret\u003e","b":""}` {
		t.Errorf("json.Marshal = %s, %v", j, err)
	}
	y, err := yaml.Marshal(map[string]Secret{"a": s, "b": ""})
	if err != nil || string(y) != "a: <secret>\nb: \"\"\n" {
		t.Errorf("yaml.Marshal = %q, %v", y, err)
	}
	txt, err := s.MarshalText()
	if err != nil || string(txt) != "<secret>" {
		t.Errorf("MarshalText = %q, %v", txt, err)
	}
}

// secretsEnv holds sentinel values that must never come out of the
// package except through Reveal.
var secretsEnv = map[string]string{
	"HOOK_URL":    "https://hooks.example.org/SENTINEL-HOOK-URL",
	"HOOK_SECRET": "SENTINEL-HOOK-SECRET",
	"SLACK_URL":   "https://hooks.slack.com/services/SENTINEL-SLACK",
	"PASSWORD":    "SENTINEL-PASSWORD",
	// Invalid values: the problems about them must not quote them.
	"BAD_HOOK_URL":  "ftp://SENTINEL-BAD-HOOK/x",
	"BAD_SLACK_URL": "http://hooks.slack.com/SENTINEL-BAD-SLACK",
}

func secretsLookup(name string) (string, bool) { v, ok := secretsEnv[name]; return v, ok }

const secretsConfig = okSources + "\n" + okWatches + `
notifiers:
  - {name: n, webhook: {url: "${HOOK_URL}", secret: "${HOOK_SECRET}"}}
  - {name: s, slack: {webhook_url: "${SLACK_URL}"}}
  - {name: m, email: {smtp: "h:25", username: u, password: "${PASSWORD}", from: a@example.org, to: [b@example.org]}}
`

// TestHideConfigSecrets loads a config whose secrets are sentinels and
// checks every way a Config or a problem reaches a log or a screen.
func TestHideConfigSecrets(t *testing.T) {
	c, err := Parse([]byte(secretsConfig), "", secretsLookup)
	if err != nil {
		t.Fatalf("Parse(secrets) = %v", err)
	}
	if got := c.Notifiers[0].Webhook.URL.Reveal(); got != secretsEnv["HOOK_URL"] {
		t.Fatalf("webhook url = %q, want the sentinel", got)
	}
	var outputs []string
	for _, v := range []any{c, *c, c.Notifiers, *c.Notifiers[0].Webhook, *c.Notifiers[1].Slack, *c.Notifiers[2].Email} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t"} {
			outputs = append(outputs, fmt.Sprintf(f, v))
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
		slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "v", v)
		outputs = append(outputs, string(j), string(y), logs.String())
	}
	bad := strings.NewReplacer(`"${HOOK_URL}"`, `"${BAD_HOOK_URL}"`, `"${SLACK_URL}"`, `"${BAD_SLACK_URL}"`,
		`username: u, `, ``).Replace(secretsConfig)
	_, err = Parse([]byte(bad), "", secretsLookup)
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 3 {
		t.Fatalf("Parse(bad secrets) = %v, want 3 problems", err)
	}
	outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", cerr.Problems))
	for _, out := range outputs {
		for name, secret := range secretsEnv {
			if strings.Contains(out, secret) || strings.Contains(out, "SENTINEL") {
				t.Errorf("output contains %s:\n%s", name, out)
			}
		}
	}
}
