package news

import (
	"strings"
	"testing"
	"time"
)

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
		d, err := ParseDuration(tt.in)
		got := d.String()
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90m", "3d", "1d12h", "106751d", "3d-1h", "", "d", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		// Whatever parses without "d" must agree with the standard parser;
		// days never make a negative (overflowed) duration.
		if std, stdErr := time.ParseDuration(s); stdErr == nil && std != d {
			t.Fatalf("ParseDuration(%q) = %v, time.ParseDuration = %v", s, d, std)
		}
		if strings.Contains(s, "d") && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, want no negative day duration", s, d)
		}
	})
}
