package httpx

import (
	"net/http"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	const limit = 7 * 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"30", 30 * time.Second},
		{" 30 ", 30 * time.Second},
		{"604800", limit},
		{"604801", limit},
		// Seconds that overflow time.Duration (and int64) give the limit,
		// never a wrapped negative or tiny delay.
		{"99999999999999", limit},
		{"9223372036854775807", limit},
		{"99999999999999999999", 0}, // not an int64: not delay-seconds, not a date
		{testNow.Add(10 * time.Minute).Format(http.TimeFormat), 10 * time.Minute},
		{testNow.Add(30 * 24 * time.Hour).Format(http.TimeFormat), limit},
		{testNow.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"1.5", 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, testNow, limit); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "120", "-1", "Wed, 06 Mar 2024 13:00:00 GMT", "9223372036854775807", "1e9"} {
		f.Add(s)
	}
	const limit = 24 * time.Hour
	f.Fuzz(func(t *testing.T, s string) {
		if d := ParseRetryAfter(s, testNow, limit); d < 0 || d > limit {
			t.Errorf("ParseRetryAfter(%q) = %v, want within [0, %v]", s, d, limit)
		}
	})
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.10.20.30", true},
		{"::1", true},
		{"[::1]", true},
		{"::ffff:127.0.0.1", true},
		{"::1%lo", true},
		{"", false},
		{"0.0.0.0", false},
		{"::", false},
		{"[::]", false},
		{"localhost.", false},
		{"localhost.example", false},
		{"127.0.0.1.nip.io", false},
		{"192.168.1.10", false},
		{"10.0.0.1", false},
		{"fe80::1%eth0", false},
		{"::ffff:10.0.0.1", false},
		{"2001:db8::1", false},
	}
	for _, tt := range tests {
		if got := IsLoopbackHost(tt.host); got != tt.want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
