package config

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"full.yaml", "invalid.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range problemCases {
		f.Add([]byte(tc.yaml))
	}
	f.Add([]byte(doc(okSources, okWatches, okNotifiers)))
	f.Add([]byte(doc(okSources, "watches: [{name: w, keywords: [k], notify: [n, {notifier: m, digest: '@daily'}]}]",
		"notifiers: [{name: n, stdout: {}, template: '{{.Alert.Title}}', quiet: '22:00-07:00 UTC'}, {name: m, stdout: {}, rate_limit: 2/s}]")))
	f.Add([]byte(fileSecretsConfig))
	f.Add([]byte(doc("listen: 0.0.0.0:8080", "listen_auth: {basic: {username: ops, password: correct-horse}}",
		"retention: {seen: 200d, alerts: 100d, text: 7d}", "keep_text: 7d", okSources, okWatches, okNotifiers)))
	lookup := func(name string) (string, bool) {
		if name == "UNSET" {
			return "", false
		}
		return fullEnv(name)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "", lookup)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a Config and an error %v", err)
			}
			checkError(t, err)
			return
		}
		checkInvariants(t, c)
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
		t.Fatalf("Parse error %v is not an *Error with problems", err)
	}
	for _, p := range cerr.Problems {
		if p.Message == "" || strings.ContainsAny(p.String(), "\r\n") {
			t.Fatalf("problem %q is empty or not one line", p.String())
		}
	}
}

// checkInvariants restates what a valid Config guarantees, independently
// of the checker's code.
func checkInvariants(t *testing.T, c *Config) {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() after Parse = %v", err)
	}
	if c.Listen != "" && !IsLoopbackListen(c.Listen) && c.ListenAuth == nil {
		t.Fatalf("listen %q is not loopback and has no listen_auth", c.Listen)
	}
	if r := c.Retention; r.Seen <= 0 || r.Alerts <= 0 || r.Text <= 0 || r.Seen < r.Alerts {
		t.Fatalf("retention %+v: not positive, or seen < alerts", r)
	}
	if len(c.Sources) == 0 || len(c.Watches) == 0 || !filepath.IsAbs(c.Data) {
		t.Fatalf("Config without sources, watches or an absolute data path: %+v", c)
	}
	names := map[string]bool{}
	for _, s := range c.Sources {
		set := 0
		for _, u := range []string{s.Feed, s.Page, s.Sitemap} {
			if u != "" {
				set++
			}
		}
		u, err := url.Parse(s.URL())
		if set != 1 || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("source %+v: want exactly one absolute http(s) URL", s)
		}
		if (s.Page != "") != (s.Links != "") || names[s.Name] || !validName(s.Name) {
			t.Fatalf("source %+v: links without page, page without links, or a bad name", s)
		}
		names[s.Name] = true
		if _, err := cron.ParseStandard(s.Schedule); err != nil || s.MaxAge <= 0 || s.Timeout <= 0 {
			t.Fatalf("source %+v: bad schedule (%v) or duration", s, err)
		}
	}
	notifiers := map[string]bool{}
	for _, n := range c.Notifiers {
		kinds := 0
		for _, set := range []bool{n.Webhook != nil, n.Slack != nil, n.Email != nil, n.Stdout != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 || notifiers[n.Name] {
			t.Fatalf("notifier %+v: %d kinds or a duplicate name", n, kinds)
		}
		notifiers[n.Name] = true
		if e := n.Email; e != nil && (len(e.To) == 0 || e.From == "" || e.SMTP == "") {
			t.Fatalf("email notifier %+v without smtp, from or to", n)
		}
		if n.MaxQueueAge <= 0 || n.MinInterval < 0 {
			t.Fatalf("notifier %+v: max_queue_age not positive or negative rate", n)
		}
		if n.Digest != "" && n.Digest != NoDigest {
			if _, err := cron.ParseStandard(n.Digest); err != nil {
				t.Fatalf("notifier %+v: digest %q does not parse: %v", n, n.Digest, err)
			}
		}
	}
	for _, w := range c.Watches {
		if len(w.Entities)+len(w.Keywords) == 0 || len(w.Notify) == 0 {
			t.Fatalf("watch %+v without terms or notifiers", w)
		}
		for _, s := range w.Sources {
			if _, ok := c.SourceByName(s); !ok {
				t.Fatalf("watch %+v names unknown source %q", w, s)
			}
		}
		for _, n := range w.Notify {
			if !notifiers[n] {
				t.Fatalf("watch %+v names unknown notifier %q", w, n)
			}
		}
		if len(w.Routes) != len(w.Notify) {
			t.Fatalf("watch %+v: %d routes for %d notifiers", w, len(w.Routes), len(w.Notify))
		}
		for i, r := range w.Routes {
			if r.Notifier != w.Notify[i] {
				t.Fatalf("watch %+v: route %d is not for notifier %q", w, i, w.Notify[i])
			}
			if r.Digest != "" && r.Digest != NoDigest {
				if _, err := cron.ParseStandard(r.Digest); err != nil {
					t.Fatalf("watch %+v: route digest %q does not parse: %v", w, r.Digest, err)
				}
			}
		}
		for _, e := range w.Entities {
			if e.Name == "" || e.Name != strings.TrimSpace(e.Name) {
				t.Fatalf("watch %+v has an empty or untrimmed entity", w)
			}
		}
	}
}

// FuzzListen: whatever the loopback check accepts is a valid listen
// address whose host is loopback by a second, independent reading.
func FuzzListen(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", "localhost:1", "[::1]:80", "[::ffff:127.0.0.1]:8080", "0.0.0.0:8080",
		":8080", "[::]:8080", "[fe80::1%lo]:1", "host.example:80", "127.0.0.1", "::1:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if !IsLoopbackListen(addr) {
			return
		}
		if msg := checkListen(addr); msg != "" {
			t.Fatalf("IsLoopbackListen(%q) = true but checkListen says %q", addr, msg)
		}
		host, _, _ := net.SplitHostPort(addr)
		unzoned, _, _ := strings.Cut(host, "%") // ::1%lo is still loopback
		ip := net.ParseIP(unzoned)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			t.Fatalf("IsLoopbackListen(%q) = true, but net.ParseIP(%q) = %v is not loopback", addr, host, ip)
		}
	})
}
