package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactorErr(t *testing.T) {
	raw := "https://hooks.example.org/services/T0/B0/sentinelTOKEN123"
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRedactor(URLSecrets(raw, u)...)
	plain := errors.New("connection refused")
	if got := r.Err(plain); got != plain {
		t.Errorf("Err(%v) = %v, want the same error", plain, got)
	}
	leaky := &DelayError{After: time.Minute, Err: fmt.Errorf("post %s: 404 Cannot POST /services/T0/B0/sentinelTOKEN123", raw)}
	got := r.Err(leaky)
	if strings.Contains(got.Error(), "sentinelTOKEN123") {
		t.Errorf("Err(%q) = %q, still holds the token", leaky, got)
	}
	if d := RetryAfter(got); d != time.Minute {
		t.Errorf("RetryAfter(Err(...)) = %v, want 1m0s kept", d)
	}
	if errors.Unwrap(got) != nil && strings.Contains(errors.Unwrap(got).Error(), "sentinel") {
		t.Errorf("redacted error still wraps the original chain")
	}
}

func TestRedactorString(t *testing.T) {
	r := NewRedactor("https://hooks.example/T1/B2/tok3n", "s3cret")
	tests := []struct{ in, want string }{
		{"HTTP/1.1 404 Not Found: no hook at https://hooks.example/T1/B2/tok3n", "HTTP/1.1 404 Not Found: no hook at <redacted>"},
		{"key s3cret and s3cret", "key <redacted> and <redacted>"},
		{"nothing to hide", "nothing to hide"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("Redactor.String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactorEncodedForms (RELIABILITY.md item 41): a receiver's echo of
// a credential in any encoding is masked.
func TestRedactorEncodedForms(t *testing.T) {
	raw := "https://newshound:p%40ss-w0rd@hooks.example/in?token=tokA-123,tokB-456&v=2"
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRedactor(URLSecrets(raw, u)...)
	tests := []struct{ in, want string }{
		{"Authorization: Basic bmV3c2hvdW5kOnBAc3MtdzByZA==", "Authorization: Basic <redacted>"},
		{"Authorization: Basic bmV3c2hvdW5kOnBAc3MtdzByZA", "Authorization: Basic <redacted>"},
		{"password p@ss-w0rd, escaped p%40ss-w0rd", "password <redacted>, escaped <redacted>"},
		{"params: token=tokA-123, token=tokB-456, v=2", "params: token=<redacted>, token=<redacted>, v=2"},
		{"token: [tokA-123 tokB-456]", "token: [<redacted> <redacted>]"},
		{"query token=tokA-123%2CtokB-456", "query token=<redacted>"},
		{"nothing to hide", "nothing to hide"},
	}
	for _, tt := range tests {
		if got := r.String(tt.in); got != tt.want {
			t.Errorf("Redactor.String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodings(t *testing.T) {
	got := Encodings("a b/c+?")
	want := []string{"a b/c+?", "a+b%2Fc%2B%3F", "a%20b%2Fc+%3F", "YSBiL2MrPw==", "YSBiL2MrPw", "YSBiL2MrPw==", "YSBiL2MrPw"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Encodings(%q) = %q, want %q", "a b/c+?", got, want)
	}
	if got := Encodings(""); got != nil {
		t.Errorf("Encodings(\"\") = %q, want nil", got)
	}
}
