package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/notify/tmpl"
)

func noEnv(string) (string, bool) { return "", false }

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newshound.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// onePageSite serves one HTML page at path and 404 for everything else
// (robots.txt included, which allows all).
func onePageSite(t *testing.T, path string, page []byte) *httptest.Server {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(site.Close)
	return site
}

func runCmd(args []string, env func(string) (string, bool)) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb, env)
	return code, out.String(), errb.String()
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"no command", nil, exitUsage, "", "Usage:"},
		{"unknown command", []string{"serve"}, exitUsage, "", `unknown command "serve"`},
		{"version", []string{"version"}, exitOK, "newshound dev", ""},
		{"help", []string{"help"}, exitOK, "Usage:", ""},
		{"bad flag", []string{"check", "--nope"}, exitUsage, "", "flag provided but not defined: -nope"},
		{"extra argument", []string{"check", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"bad log format", []string{"once", "--log-format", "xml"}, exitUsage, "", "--log-format must be text or json"},
		{"missing config", []string{"check", "--config", "/nonexistent/newshound.yaml"}, exitFailure, "", "/nonexistent/newshound.yaml"},
		{"negative grace", []string{"run", "--grace", "-1s"}, exitUsage, "", "--grace must not be negative"},
		{"grace is for run only", []string{"once", "--grace", "1s"}, exitUsage, "", "flag provided but not defined: -grace"},
		{"help lists the outbox", []string{"help"}, exitOK, "newshound outbox retry", ""},
		{"help lists test-notify", []string{"help"}, exitOK, "newshound test-notify", ""},
		{"help lists alerts", []string{"help"}, exitOK, "newshound alerts ", ""},
		{"help lists backup", []string{"help"}, exitOK, "newshound backup ", ""},
		{"help lists compact", []string{"help"}, exitOK, "newshound compact ", ""},
		{"compact takes no argument", []string{"compact", "x"}, exitUsage, "", `unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(tt.args, noEnv)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, stdout containing %q, stderr containing %q",
					tt.args, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestCheckPrintsEveryProblemAndNoSecret(t *testing.T) {
	const secret = "sentinel-password-91ad"
	path := writeFile(t, `sources:
  - name: desk
    page: https://example.org/world/
  - name: desk
    feed: notaurl
watches:
  - name: w
    entities: [CENTCOM]
    notify: [mail, nowhere]
notifiers:
  - name: mail
    email:
      smtp: smtp.example.org:587
      tls: sometimes
      username: alerts
      password: ${SMTP_PASSWORD}
      from: alerts@example.org
      to: [desk@example.org]
`)
	env := func(name string) (string, bool) {
		if name == "SMTP_PASSWORD" {
			return secret, true
		}
		return "", false
	}
	code, out, errOut := runCmd([]string{"check", "--config", path}, env)
	if code != exitFailure {
		t.Errorf("check exit code = %d, want %d", code, exitFailure)
	}
	for _, want := range []string{
		"sources[0].links (line 2): required when page is set",
		`sources[1].name (line 4): duplicate name "desk" (first at line 2)`,
		"sources[1].feed (line 5): must be an absolute http or https URL",
		`watches[0].notify[1] (line 9): unknown notifier "nowhere"`,
		"notifiers[0].email.tls (line 14): must be starttls, tls or none",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, secret) {
		t.Errorf("check output contains the secret:\n%s%s", out, errOut)
	}
}

func TestCheckValidExampleConfig(t *testing.T) {
	code, out, errOut := runCmd([]string{"check", "--config", "../../newshound.example.yaml"}, noEnv)
	if code != exitOK || !strings.Contains(out, ": ok (") {
		t.Errorf("check example config = %d, stdout %q, stderr %q; want 0 and ok", code, out, errOut)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	env := func(name string) (string, bool) {
		if name == "NEWSHOUND_CONFIG" {
			return "../../newshound.example.yaml", true
		}
		return "", false
	}
	if code, _, errOut := runCmd([]string{"check"}, env); code != exitOK {
		t.Errorf("check with $NEWSHOUND_CONFIG = %d, stderr %q; want 0", code, errOut)
	}
}

// TestOnce runs one pass against a local feed: the alert reaches the
// console notifier on stdout; a failing source is reported on stderr and
// the exit code stays 0.
func TestOnce(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>CENTCOM update</title><link>http://%s/a.html</link><pubDate>%s</pubDate></item></channel></rss>`,
				r.Host, time.Now().UTC().Format(time.RFC1123Z))
		case "/a.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>CENTCOM update</title></head><body><article><h1>CENTCOM update</h1>
<p>CENTCOM said on Monday that it had completed a review of its operations in the region after weeks of talks.</p>
<p>The statement gave no further details about the timing of the next steps or the units involved in them.</p>
<p>Officials in several capitals welcomed the review and said they expected more information in the coming weeks.</p>
</article></body></html>`)
		case "/robots.txt":
			http.NotFound(w, r) // no robots.txt: everything allowed
		default:
			http.Error(w, "gone", http.StatusInternalServerError)
		}
	}))
	defer site.Close()
	path := writeFile(t, fmt.Sprintf(`data: test.db
crawl: {host_delay: 0s}
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: broken
    feed: %[1]s/broken.xml
watches:
  - name: centcom
    entities: [CENTCOM]
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`, site.URL))
	code, out, errOut := runCmd([]string{"once", "--config", path}, noEnv)
	if code != exitOK {
		t.Fatalf("once = %d, stderr %q; want 0", code, errOut)
	}
	if !strings.Contains(out, "[centcom] wire: CENTCOM update") {
		t.Errorf("once stdout = %q, want the alert line", out)
	}
	if !strings.Contains(errOut, "source broken failed") {
		t.Errorf("once stderr = %q, want the failing source reported", errOut)
	}
	// A second pass delivers nothing new.
	code, out, _ = runCmd([]string{"once", "--config", path}, noEnv)
	if code != exitOK || out != "" {
		t.Errorf("second once = %d, stdout %q; want 0 and no alert", code, out)
	}
}

// TestCheckDiscoversFeeds: check says which feed a `url:` source will
// crawl, and warns about a page that announces none.
func TestCheckDiscoversFeeds(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			io.WriteString(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/world/rss.xml"></head><body>News</body></html>`)
		case "/plain":
			io.WriteString(w, `<html><head><title>No feed</title></head><body>News</body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	path := writeFile(t, fmt.Sprintf(`data: test.db
sources:
  - name: home
    url: %[1]s/
  - name: plain
    url: %[1]s/plain
watches:
  - name: w
    entities: [CENTCOM]
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`, site.URL))
	code, out, errOut := runCmd([]string{"check", "--config", path}, noEnv)
	if code != exitOK {
		t.Fatalf("check = %d, stderr %q; want 0", code, errOut)
	}
	if want := "source home: discovered feed " + site.URL + "/world/rss.xml"; !strings.Contains(out, want) {
		t.Errorf("check stdout = %q, want %q", out, want)
	}
	if want := `warning: source plain: feed discovery on ` + site.URL + `/plain failed: discover plain: no <link rel="alternate"> feed`; !strings.Contains(errOut, want) {
		t.Errorf("check stderr = %q, want %q", errOut, want)
	}
}

// TestCheckBrokenTemplate: a template error is caught by check, with the
// line of the template, not at send time.
func TestCheckBrokenTemplate(t *testing.T) {
	if _, err := tmpl.Parse("probe", tmpl.Text, "newshound"); err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skip("notify/tmpl is still a stub (tmpl.Parse says not implemented): remove this skip when the real package lands")
	}
	path := writeFile(t, `sources:
  - name: wire
    feed: https://example.org/rss.xml
watches:
  - name: w
    entities: [CENTCOM]
    notify: [hook]
notifiers:
  - name: hook
    webhook: {url: "https://hooks.example.org/x"}
    template: |
      {"title": {{json .Alert.Titel}}}
`)
	code, out, errOut := runCmd([]string{"check", "--config", path}, noEnv)
	want := "notifiers[0].template (line 11): invalid template: "
	if code != exitFailure || out != "" || !strings.Contains(errOut, want) || !strings.Contains(errOut, "Titel") {
		t.Errorf("check with a broken template = %d, stdout %q, stderr %q; want 1 and %q naming the field", code, out, errOut, want)
	}
}

// TestCheckSecretFiles: secrets read through *_file keys from a systemd
// credentials folder ($CREDENTIALS_DIRECTORY) are used, and neither a
// valid nor an invalid config prints them.
func TestCheckSecretFiles(t *testing.T) {
	const slackURL = "https://hooks.slack.com/services/SENTINEL-SLACK-FILE"
	const token = "SENTINEL-TOKEN-0123456789"
	creds := t.TempDir()
	for name, v := range map[string]string{"slack-webhook": slackURL + "\n", "listen-token": token + "\n", "bad-slack": "http://hooks.slack.com/SENTINEL-BAD\n"} {
		if err := os.WriteFile(filepath.Join(creds, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := func(name string) (string, bool) { return creds, name == "CREDENTIALS_DIRECTORY" }
	const cfg = `sources: [{name: s, feed: "https://example.org/feed"}]
watches: [{name: w, keywords: [k], notify: [team]}]
listen: 0.0.0.0:8080
listen_auth: {bearer_file: "${CREDENTIALS_DIRECTORY}/listen-token"}
notifiers: [{name: team, slack: {webhook_url_file: "${CREDENTIALS_DIRECTORY}/%s"}}]
`
	code, out, errOut := runCmd([]string{"check", "--config", writeFile(t, fmt.Sprintf(cfg, "slack-webhook"))}, env)
	if code != exitOK || strings.Contains(out+errOut, "SENTINEL") {
		t.Errorf("check with file secrets = %d, stdout %q, stderr %q; want 0 and no secret", code, out, errOut)
	}
	code, out, errOut = runCmd([]string{"check", "--config", writeFile(t, fmt.Sprintf(cfg, "bad-slack"))}, env)
	want := "notifiers[0].slack.webhook_url_file (line 5): must be an absolute https URL (http only for loopback hosts)"
	if code != exitFailure || !strings.Contains(errOut, want) || strings.Contains(out+errOut, "SENTINEL") {
		t.Errorf("check with a bad secret file = %d, stdout %q, stderr %q; want 1, %q and no secret", code, out, errOut, want)
	}
	code, _, errOut = runCmd([]string{"check", "--config", writeFile(t, fmt.Sprintf(cfg, "missing"))}, env)
	want = "notifiers[0].slack.webhook_url_file (line 5): cannot read " + filepath.Join(creds, "missing") + ": no such file or directory"
	if code != exitFailure || !strings.Contains(errOut, want) {
		t.Errorf("check with a missing secret file = %d, stderr %q; want 1 and %q", code, errOut, want)
	}
}
