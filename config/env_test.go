package config

import (
	"strings"
	"testing"
	"time"
)

func TestExpandEnv(t *testing.T) {
	lookup := func(name string) (string, bool) {
		v, ok := map[string]string{"A": "alpha", "B_2": "${A}", "EMPTY": ""}[name]
		return v, ok
	}
	tests := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"${A}", "alpha", ""},
		{"x${A}y${A}", "xalphayalpha", ""},
		{"${B_2}", "${A}", ""}, // expanded text is not expanded again
		{"${EMPTY}", "", ""},
		{"$$", "$", ""},
		{"$${A}", "${A}", ""},
		{"$$$${A}", "$${A}", ""},
		{"$$${A}", "$alpha", ""},
		{"cost: $5", "cost: $5", ""},
		{"trailing $", "trailing $", ""},
		{"${NOPE}", "", "environment variable NOPE is not set"},
		{"${A", "", `unterminated "${"`},
		{"${}", "", `invalid "${...}": a variable name is letters, digits and "_", not starting with a digit`},
		{"${1A}", "", `invalid "${...}": a variable name is letters, digits and "_", not starting with a digit`},
		{"${s3cr3t pa55}", "", `invalid "${...}": a variable name is letters, digits and "_", not starting with a digit`},
	}
	for _, tt := range tests {
		got, err := expandEnv(tt.in, lookup)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("expandEnv(%q) = %q, %q, want %q, %q", tt.in, got, gotErr, tt.want, tt.err)
		}
	}
}

// TestExpandStructure checks that a variable's value stays one scalar: a
// value holding YAML syntax can add no keys and no items.
func TestExpandStructure(t *testing.T) {
	lookup := func(name string) (string, bool) {
		if name == "INJECT" {
			return "https://example.org/\n  page: https://evil.example/\nwatches: []", true
		}
		return testEnv(name)
	}
	_, err := Parse([]byte(doc(`sources: [{name: s, feed: "${INJECT}"}]`, okWatches, okNotifiers)), "", lookup)
	want := "sources[0].feed (line 1): must be an absolute http or https URL"
	if err == nil || err.Error() != want {
		t.Errorf("Parse(injecting value) = %v, want %q", err, want)
	}
}

func FuzzExpandEnv(f *testing.F) {
	for _, s := range []string{"", "plain", "${A}", "$$", "$${A}", "${A", "${}", "a$b", "${A}${B}$", "$$$"} {
		f.Add(s)
	}
	lookup := func(name string) (string, bool) { return "<" + name + ">", name != "UNSET" }
	f.Fuzz(func(t *testing.T, s string) {
		got, err := expandEnv(s, lookup)
		if !strings.Contains(s, "$") && (got != s || err != nil) {
			t.Fatalf("expandEnv(%q) = %q, %v, want it unchanged", s, got, err)
		}
		// Escaping every $ makes any text come back literally.
		escaped := strings.ReplaceAll(s, "$", "$$")
		if back, err := expandEnv(escaped, lookup); back != s || err != nil {
			t.Fatalf("expandEnv(%q) = %q, %v, want %q", escaped, back, err, s)
		}
		if err != nil && got != "" {
			t.Fatalf("expandEnv(%q) = %q with error %v, want no value", s, got, err)
		}
	})
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want string // time.Duration.String(), or "error"
	}{
		{"90m", "1h30m0s"},
		{"72h", "72h0m0s"},
		{"3d", "72h0m0s"},
		{"1d12h", "36h0m0s"},
		{"0d", "0s"},
		{"1d1h30m", "25h30m0s"},
		{"-1h", "-1h0m0s"}, // parses; "greater than zero" is a separate rule
		{"3", "error"},
		{"d", "error"},
		{"3x", "error"},
		{"1.5d", "error"},
		{"-3d", "error"},
		{"3d-1h", "error"},
		{"3d+1h", "error"},
		{"3dd", "error"},
		{"106751d", "2562024h0m0s"},
		{"106752d", "error"},
		{"106751d24h", "error"},
		{"99999999999999999999d", "error"},
	}
	for _, tt := range tests {
		d, err := parseDuration(tt.in)
		got := d.String()
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("parseDuration(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90m", "3d", "1d12h", "106751d", "3d-1h", "", "d", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			return
		}
		// Whatever parses without "d" must agree with the standard parser;
		// days never make a negative (overflowed) duration.
		if std, stdErr := time.ParseDuration(s); stdErr == nil && std != d {
			t.Fatalf("parseDuration(%q) = %v, time.ParseDuration = %v", s, d, std)
		}
		if strings.Contains(s, "d") && d < 0 {
			t.Fatalf("parseDuration(%q) = %v, want no negative day duration", s, d)
		}
	})
}
