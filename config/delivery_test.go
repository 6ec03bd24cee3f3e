package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDeliveryAccepts covers the delivery keys that must be accepted and
// what they decode to.
func TestDeliveryAccepts(t *testing.T) {
	slack := "{name: n, slack: {webhook_url: '${SLACK_URL}'}"
	tests := []struct {
		name, notifiers string
		minInterval     time.Duration
		maxQueueAge     time.Duration
		digest, quiet   string
	}{
		{"stdout defaults", "notifiers: [{name: n, stdout: {}}]", 0, DefaultMaxQueueAge, "", ""},
		{"slack defaults to 1/s", "notifiers: [" + slack + "}]", time.Second, DefaultMaxQueueAge, "", ""},
		{"slack rate none", "notifiers: [" + slack + ", rate_limit: none}]", 0, DefaultMaxQueueAge, "", ""},
		{"rate per minute", "notifiers: [{name: n, stdout: {}, rate_limit: 30/m}]", 2 * time.Second, DefaultMaxQueueAge, "", ""},
		{"rate per hour", "notifiers: [{name: n, stdout: {}, rate_limit: 4/h}]", 15 * time.Minute, DefaultMaxQueueAge, "", ""},
		{"rate per second", "notifiers: [" + slack + ", rate_limit: 4/s}]", 250 * time.Millisecond, DefaultMaxQueueAge, "", ""},
		{"rate null keeps default", "notifiers: [" + slack + ", rate_limit: ~}]", time.Second, DefaultMaxQueueAge, "", ""},
		{"max_queue_age days", "notifiers: [{name: n, stdout: {}, max_queue_age: 7d}]", 0, 7 * 24 * time.Hour, "", ""},
		{"digest descriptor", "notifiers: [{name: n, stdout: {}, digest: '@daily'}]", 0, DefaultMaxQueueAge, "@daily", ""},
		{"digest zone", "notifiers: [{name: n, stdout: {}, digest: 'CRON_TZ=Europe/Berlin 0 8 * * *'}]", 0, DefaultMaxQueueAge, "CRON_TZ=Europe/Berlin 0 8 * * *", ""},
		{"digest none", "notifiers: [{name: n, stdout: {}, digest: none}]", 0, DefaultMaxQueueAge, "none", ""},
		{"quiet with zone", "notifiers: [{name: n, stdout: {}, quiet: '22:00-07:00 Europe/Berlin'}]", 0, DefaultMaxQueueAge, "", "22:00-07:00 Europe/Berlin"},
		{"quiet in UTC", "notifiers: [{name: n, stdout: {}, quiet: '12:30-13:30'}]", 0, DefaultMaxQueueAge, "", "12:30-13:30"},
	}
	for _, tt := range tests {
		y := doc(okSources, okWatches, tt.notifiers)
		c, err := Parse([]byte(y), "", testEnv)
		if err != nil {
			t.Errorf("%s: Parse(%q) = %v", tt.name, y, err)
			continue
		}
		n := c.Notifiers[0]
		if n.MinInterval != tt.minInterval || n.MaxQueueAge != tt.maxQueueAge || n.Digest != tt.digest || n.Quiet != tt.quiet {
			t.Errorf("%s: Parse(%q) = MinInterval %v, MaxQueueAge %v, Digest %q, Quiet %q; want %v, %v, %q, %q", tt.name, y,
				n.MinInterval, n.MaxQueueAge, n.Digest, n.Quiet, tt.minInterval, tt.maxQueueAge, tt.digest, tt.quiet)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() after Parse = %v", tt.name, err)
		}
	}
}

func TestRoutes(t *testing.T) {
	y := doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - n", "      - {notifier: m, digest: none}",
		`      - {notifier: d, digest: "0 18 * * *"}`, "      - notifier: e",
		"notifiers:", "  - {name: n, stdout: {}}", "  - {name: m, stdout: {}, digest: '@daily'}", "  - {name: d, stdout: {}}",
		"  - {name: e, stdout: {}, digest: '0 8 * * *'}")
	c, err := Parse([]byte(y), "", testEnv)
	if err != nil {
		t.Fatalf("Parse(%q) = %v", y, err)
	}
	w := c.Watches[0]
	if got, want := strings.Join(w.Notify, ","), "n,m,d,e"; got != want {
		t.Errorf("Notify = %q, want %q", got, want)
	}
	byName := map[string]Notifier{}
	for _, n := range c.Notifiers {
		byName[n.Name] = n
	}
	want := []struct{ route, spec string }{{"", ""}, {"none", ""}, {"0 18 * * *", "0 18 * * *"}, {"", "0 8 * * *"}}
	for i, r := range w.Deliveries() {
		if r.Digest != want[i].route || r.DigestSpec(byName[r.Notifier]) != want[i].spec {
			t.Errorf("route %d = %+v, DigestSpec %q; want Digest %q, DigestSpec %q", i, r, r.DigestSpec(byName[r.Notifier]), want[i].route, want[i].spec)
		}
	}
}

// TestValidateRoutes: a Watch built in code may set only Notify; Routes,
// when set, must name the same notifiers.
func TestValidateRoutes(t *testing.T) {
	base := func() *Config {
		return &Config{
			Sources:   []Source{{Name: "s", Feed: "https://example.org/", Schedule: "@hourly", MaxAge: time.Hour, Timeout: time.Second}},
			Watches:   []Watch{{Name: "w", Keywords: []string{"k"}, Notify: []string{"n"}}},
			Notifiers: []Notifier{{Name: "n", Stdout: &Stdout{}}},
		}
	}
	c := base()
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(Notify only) = %v", err)
	}
	if got := c.Watches[0].Deliveries(); len(got) != 1 || got[0] != (Route{Notifier: "n"}) {
		t.Errorf("Deliveries() = %+v, want [{n }]", got)
	}
	c.Watches[0].Routes = []Route{{Notifier: "x"}}
	var cerr *Error
	if err := c.Validate(); !errors.As(err, &cerr) || cerr.Error() != "watches[0].notify[0]: "+msgRoutes {
		t.Errorf("Validate(Routes naming another notifier) = %v, want %q", err, "watches[0].notify[0]: "+msgRoutes)
	}
	c = base()
	c.Watches[0].Routes = []Route{{Notifier: "n", Digest: "every morning"}}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "watches[0].notify[0].digest: invalid schedule") {
		t.Errorf("Validate(bad route digest) = %v, want an invalid schedule", err)
	}
	c = base()
	c.Notifiers[0].MinInterval, c.Notifiers[0].MaxQueueAge = -time.Second, -time.Hour
	if err := c.Validate(); err == nil || err.Error() != "notifiers[0].rate_limit: "+msgRateLimit+"\nnotifiers[0].max_queue_age: "+msgPositive {
		t.Errorf("Validate(negative durations) = %v", err)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1/s", time.Second, true},
		{"none", 0, true},
		{"60/m", time.Second, true},
		{"3/h", 20 * time.Minute, true},
		{"1000000000/s", time.Nanosecond, true},
		{"1000000001/s", 0, false},
		{"0/m", 0, false},
		{"-1/s", 0, false},
		{"1/", 0, false},
		{"/s", 0, false},
		{"1/sec", 0, false},
		{"1 /s", 0, false},
		{"99999999999999999999/h", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
