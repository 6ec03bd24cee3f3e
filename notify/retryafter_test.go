package notify

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A receiver's Retry-After is read by the one parser the crawler uses
// too (httpx.ParseRetryAfter): delay-seconds too large for a Duration
// give the cap, never a wrapped delay.
func TestCheckResponseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{"99999999999999", maxRetryAfter},
		{"9223372036854775807", maxRetryAfter},
		{"-1", 0},
		{"soon", 0},
	} {
		resp := &http.Response{Status: "503 Service Unavailable", StatusCode: http.StatusServiceUnavailable,
			Header: http.Header{"Retry-After": {tt.header}}, Body: io.NopCloser(strings.NewReader(""))}
		retryable, err := CheckResponse(resp, nil, now)
		if !retryable || err == nil {
			t.Fatalf("CheckResponse(503, Retry-After %q) = %v, %v, want retryable", tt.header, retryable, err)
		}
		if got := RetryAfter(err); got != tt.want {
			t.Errorf("RetryAfter(CheckResponse(503, Retry-After %q)) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
