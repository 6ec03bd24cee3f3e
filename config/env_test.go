package config

import (
	"strings"
	"testing"
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
