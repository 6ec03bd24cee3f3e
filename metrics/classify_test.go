package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestKindForStatus(t *testing.T) {
	for _, tt := range []struct {
		code int
		want FetchErrorKind
	}{
		{400, ErrHTTP4xx}, {404, ErrHTTP4xx}, {429, ErrHTTP4xx}, {499, ErrHTTP4xx},
		{500, ErrHTTP5xx}, {503, ErrHTTP5xx}, {599, ErrHTTP5xx},
		{301, ErrOtherKind}, {600, ErrOtherKind}, {0, ErrOtherKind},
	} {
		if got := KindForStatus(tt.code); got != tt.want {
			t.Errorf("KindForStatus(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestClassifyTransport(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tt := range []struct {
		name string
		err  error
		want FetchErrorKind
	}{
		{"nil", nil, NoError},
		{"deadline", fmt.Errorf("fetch listing: %w", context.DeadlineExceeded), ErrTimeout},
		{"client timeout", &url.Error{Op: "Get", URL: "https://x", Err: timeoutError{}}, ErrTimeout},
		{"refused", &url.Error{Op: "Get", URL: "https://x", Err: refused}, ErrNetwork},
		{"dns", fmt.Errorf("fetch: %w", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}), ErrNetwork},
		{"plain", errors.New("something odd"), ErrOtherKind},
		{"cancelled", context.Canceled, ErrOtherKind},
	} {
		if got := ClassifyTransport(tt.err); got != tt.want {
			t.Errorf("ClassifyTransport(%s: %v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
