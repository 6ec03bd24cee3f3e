package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
)

// Minimal valid sections for the config checks; a case replaces the one
// it is about.
const (
	cSources   = `sources: [{name: s, feed: "https://example.org/feed"}]`
	cWatches   = `watches: [{name: w, keywords: [k], notify: [n]}]`
	cNotifiers = `notifiers: [{name: n, stdout: {}}]`
)

func cdoc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func noEnv(string) (string, bool) { return "", false }

// TestConfigCheckProblems: the rules judged by the packages that use the
// values come out of ParseConfig like config's own, one problem each, at
// the value's line.
func TestConfigCheckProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"query syntax", cdoc(cSources, "watches:", "  - name: w", `    query: '("al Hol" OR CENTCOM AND x'`, "    notify: [n]", cNotifiers),
			[]string{`watches[0].query (line 4): col 27: expected ")"`}},
		{"quiet format", cdoc(cSources, cWatches, "notifiers:", "  - name: n", "    stdout: {}", "    quiet: 22:00"),
			[]string{`notifiers[0].quiet (line 6): quiet hours "22:00": want HH:MM-HH:MM [Time/Zone]`}},
		{"quiet time", cdoc(cSources, cWatches, "notifiers:", "  - name: n", "    stdout: {}", "    quiet: 22:00-24:00"),
			[]string{`notifiers[0].quiet (line 6): quiet hours "22:00-24:00": end: "24:00" is not a time of day between 00:00 and 23:59`}},
		{"quiet zone", cdoc(cSources, cWatches, "notifiers:", "  - name: n", "    stdout: {}", "    quiet: 22:00-07:00 Europe/Atlantis"),
			[]string{`notifiers[0].quiet (line 6): quiet hours "22:00-07:00 Europe/Atlantis": unknown time zone "Europe/Atlantis"`}},
		{"quiet empty window", cdoc(cSources, cWatches, "notifiers: [{name: n, stdout: {}, quiet: 07:00-07:00}]"),
			[]string{`notifiers[0].quiet (line 3): quiet hours "07:00-07:00": start and end are the same time`}},
		{"webhook secret not base64", cdoc(cSources, cWatches, "notifiers: [{name: n, webhook: {url: 'https://h.example/x', secret: 'whsec_not base64!'}}]"),
			[]string{"notifiers[0].webhook.secret (line 3): the value after whsec_ is not valid standard base64"}},
		{"webhook secret too short", cdoc(cSources, cWatches, "notifiers:", "  - name: n", "    webhook:", "      url: https://h.example/x", "      secret: whsec_c2VjcmV0"),
			[]string{"notifiers[0].webhook.secret (line 7): the value after whsec_ decodes to 6 bytes; Standard Webhooks keys have 24 to 64"}},
		{"webhook secret too long", cdoc(cSources, cWatches, "notifiers: [{name: n, webhook: {url: 'https://h.example/x', secret: 'whsec_a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s='}}]"),
			[]string{"notifiers[0].webhook.secret (line 3): the value after whsec_ decodes to 65 bytes; Standard Webhooks keys have 24 to 64"}},
		// A problem the decoder already reported is not judged again.
		{"quiet not a string", cdoc(cSources, cWatches, "notifiers: [{name: n, stdout: {}, quiet: [a]}]"),
			[]string{"notifiers[0].quiet (line 3): must be a string"}},
		// Checks and config's own rules report together, in line order.
		{"with config problems", cdoc(cSources, cWatches, "notifiers:", "  - name: n", "    stdout: {}", "    quiet: 22:00", "    max_queue_age: 0h", "    template: '{{'"),
			[]string{
				`notifiers[0].quiet (line 6): quiet hours "22:00": want HH:MM-HH:MM [Time/Zone]`,
				"notifiers[0].max_queue_age (line 7): must be greater than zero",
				"notifiers[0].template (line 8): invalid template: text template: template: n:1: unclosed action",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.yaml), "", noEnv)
			var cerr *config.Error
			if !errors.As(err, &cerr) || c != nil {
				t.Fatalf("ParseConfig(%q) = %+v, %v; want an *config.Error", tc.yaml, c, err)
			}
			var got []string
			for _, p := range cerr.Problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseConfig(%q) problems (-want +got):\n%s", tc.yaml, diff)
			}
		})
	}
}

// TestConfigChecksValidate: a Config built in code gets the same checks
// through Validate, without lines.
func TestConfigChecksValidate(t *testing.T) {
	c := &config.Config{
		Sources:   []config.Source{{Name: "s", Feed: "https://example.org/", Schedule: "@hourly", MaxAge: time.Hour, Timeout: time.Second}},
		Watches:   []config.Watch{{Name: "w", Query: "a AND", Notify: []string{"n"}}},
		Notifiers: []config.Notifier{{Name: "n", Stdout: &config.Stdout{}, Quiet: "7-8"}},
	}
	err := c.Validate(ConfigChecks...)
	want := "watches[0].query: col 6: expected a term after AND\nnotifiers[0].quiet: quiet hours \"7-8\": start: \"7\" is not HH:MM"
	if err == nil || err.Error() != want {
		t.Errorf("Validate(ConfigChecks...) = %v, want %q", err, want)
	}
}

// TestQuietWindowParsed: the quiet text config keeps becomes the channel's
// window in its zone.
func TestQuietWindowParsed(t *testing.T) {
	c, err := ParseConfig([]byte(cdoc(cSources, cWatches, "notifiers: [{name: n, stdout: {}, quiet: ' 22:00-07:00 Europe/Berlin'}]")), "", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := NewChannel(c.Notifiers[0], Options{})
	if err != nil {
		t.Fatalf("NewChannel: %v", err)
	}
	q := ch.Quiet
	// 23:30 in Berlin in winter is 22:30 UTC: quiet; 07:30 Berlin is not.
	in, out := time.Date(2026, 1, 10, 22, 30, 0, 0, time.UTC), time.Date(2026, 1, 10, 6, 30, 0, 0, time.UTC)
	if !q.Contains(in) || q.Contains(out) || q.String() != "22:00-07:00 Europe/Berlin" {
		t.Errorf("Quiet %q: Contains(%v), Contains(%v) = %v, %v; want true, false", q, in, out, q.Contains(in), q.Contains(out))
	}
	if got, want := Fingerprint(c.Notifiers[0]), Fingerprint(config.Notifier{Name: "n", Stdout: &config.Stdout{}, Quiet: q.String(), MaxQueueAge: c.Notifiers[0].MaxQueueAge}); got != want {
		t.Errorf("Fingerprint with untrimmed quiet = %s, want %s (the window's text)", got, want)
	}
}

// checkEnv is the environment the template and secret checks parse with.
func checkEnv(name string) (string, bool) {
	if name == "SLACK_URL" {
		return "https://hooks.slack.com/services/T/B/X", true
	}
	return "", false
}

// TestTemplates: a template is parsed with its notifier's kind, by the
// code that builds the channel; a broken one is a problem at the
// template's line, and the message names the
// notifier (tmpl.Parse puts the name in its errors).
func TestTemplates(t *testing.T) {
	watch := "watches: [{name: w, keywords: [k], notify: [desk]}]"
	channels := []struct{ kind, channel, valid string }{
		{"text", "stdout: {}", "{{.Alert.Watch}}: {{.Alert.Title}}"},
		{"slack", "slack: {webhook_url: '${SLACK_URL}'}", "*{{.Alert.Title}}* <{{.Alert.URL}}|open>"},
		{"webhook", "webhook: {url: 'https://hooks.example.org/x'}", `{"id": {{json .ID}}, "count": {{.Count}}}`},
		{"html", "email: {smtp: 'mail:25', from: a@example.org, to: [b@example.org]}", "<p>{{.Alert.Title}}</p>"},
	}
	for _, ch := range channels {
		y := cdoc(cSources, watch, "notifiers:", "  - name: desk", "    "+ch.channel, "    template: '"+ch.valid+"'")
		c, err := ParseConfig([]byte(y), "", checkEnv)
		if err != nil {
			t.Errorf("ParseConfig(%q) = %v", y, err)
		} else if pt, err := notifierTemplate(c.Notifiers[0]); pt == nil || err != nil || c.Notifiers[0].Template != ch.valid {
			t.Errorf("ParseConfig(%q): Template %q, parsed %v, %v; want the source and a parsed template", y, c.Notifiers[0].Template, pt, err)
		}
		for _, bad := range []struct{ src, want string }{
			{"{{", "notifiers[0].template (line 6): invalid template: " + ch.kind + " template: template: desk:2: unclosed action started at desk:1"},
			// tmpl adds which sample alert failed after this.
			{"{{.NoSuchField}}", "notifiers[0].template (line 6): invalid template: " +
				ch.kind + ` template: template: desk:1:2: executing "desk" at <.NoSuchField>: can't evaluate field NoSuchField in type tmpl.Data`},
		} {
			y := cdoc(cSources, watch, "notifiers:", "  - name: desk", "    "+ch.channel, "    template: |", "      "+bad.src)
			_, err := ParseConfig([]byte(y), "", checkEnv)
			if err == nil || !strings.HasPrefix(err.Error(), bad.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("ParseConfig(%q) = %v, want one problem starting %q", y, err, bad.want)
			}
		}
	}
	y := cdoc(cSources, watch, "notifiers: [{name: desk, webhook: {url: 'https://hooks.example.org/x'}, template: 'not json'}]")
	if _, err := ParseConfig([]byte(y), "", checkEnv); err == nil || !strings.HasPrefix(err.Error(), "notifiers[0].template (line 3): invalid template: ") {
		t.Errorf("ParseConfig(webhook template that is not JSON) = %v, want a template problem at line 3", err)
	}
}

// TestWebhookChecksBeforeRun (RELIABILITY.md item 43): a webhook template
// that writes fields with js, printf "%q" or by hand between quotes, and
// a whsec_ secret the channel would refuse at start, are problems at
// their lines; a template using json, a valid secret inline or in a file
// pass. The secret never appears in a message.
func TestWebhookChecksBeforeRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	shortFile := write("short", "whsec_c2VjcmV0\n")
	goodFile := write("good", good+"\n")
	watch := "watches: [{name: w, keywords: [k], notify: [hook]}]"
	hook := func(lines ...string) string {
		return cdoc(append([]string{cSources, watch, "notifiers:", "  - name: hook", "    webhook:", "      url: https://hooks.example.org/x"}, lines...)...)
	}
	for _, tc := range []struct {
		name string
		yaml string
		want string // prefix of the only problem; "" = valid
	}{
		{"json template", hook("    template: '{\"t\": {{json .Alert.Title}}}'"), ""},
		{"js template", hook(`    template: '{"t": "{{js .Alert.Title}}"}'`),
			"notifiers[0].template (line 7): invalid template: webhook template hook: output is not JSON"},
		{"printf template", hook(`    template: |`, `      {"t": {{printf "%q" .Alert.Title}}}`),
			"notifiers[0].template (line 7): invalid template: webhook template hook: output is not JSON"},
		{"hand-quoted template", hook(`    template: '{"s": "{{.Alert.Source}}"}'`),
			"notifiers[0].template (line 7): invalid template: webhook template hook: output is not JSON"},
		{"valid whsec secret", hook("      secret: " + good), ""},
		{"raw secret", hook("      secret: any raw bytes"), ""},
		{"valid whsec secret file", hook("      secret_file: " + goodFile), ""},
		{"short whsec secret", hook("      secret: whsec_c2VjcmV0"),
			"notifiers[0].webhook.secret (line 7): the value after whsec_ decodes to 6 bytes"},
		{"short whsec secret file", hook("      secret_file: " + shortFile),
			"notifiers[0].webhook.secret_file (line 7): the value after whsec_ decodes to 6 bytes"},
		{"whsec secret not base64", hook("      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!!'"),
			"notifiers[0].webhook.secret (line 7): the value after whsec_ is not valid standard base64"},
	} {
		c, err := ParseConfig([]byte(tc.yaml), filepath.Join(dir, "newshound.yaml"), checkEnv)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ParseConfig(%s) = %v, want no problem", tc.name, err)
		case tc.want == "" && c.Notifiers[0].Webhook == nil:
			t.Errorf("ParseConfig(%s): no webhook notifier", tc.name)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n")):
			t.Errorf("ParseConfig(%s) = %v, want one problem starting %q", tc.name, err, tc.want)
		case err != nil && (strings.Contains(err.Error(), "c2VjcmV0") || strings.Contains(err.Error(), "LaLa")):
			t.Errorf("ParseConfig(%s) = %v, quotes the secret", tc.name, err)
		}
	}
}
