package notifytest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/notify"
)

// recordingTB captures failures instead of failing, to test the asserts.
type recordingTB struct {
	testing.TB
	failures []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Helper() {}

func TestAssertNoSecret(t *testing.T) {
	inner := errors.New("dial https://hooks.example/" + SentinelSecret)
	for _, tc := range []struct {
		name string
		err  error
		want int // failures
	}{
		{"nil", nil, 0},
		{"clean", errors.New("post to webhook: connection refused"), 0},
		{"top level", fmt.Errorf("post: %w", inner), 2},
		// A redacted message with the secret still reachable via Unwrap.
		{"hidden in chain", &notify.DelayError{After: time.Second, Err: hiding{inner}}, 1},
		{"in joined errors", errors.Join(errors.New("a"), inner), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			AssertNoSecret(rec, tc.err, SentinelSecret, "")
			if len(rec.failures) != tc.want {
				t.Errorf("AssertNoSecret(%v) reported %d failures, want %d: %q",
					tc.err, len(rec.failures), tc.want, rec.failures)
			}
		})
	}
}

// hiding prints a clean message but wraps an error that leaks.
type hiding struct{ err error }

func (h hiding) Error() string { return "redacted" }
func (h hiding) Unwrap() error { return h.err }

func TestAssertOneLine(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"one line", 0},
		{"two\nlines", 1},
		{"cr\r", 1},
		{"nel\u0085", 1},
		{"ls\u2028", 1},
	} {
		rec := &recordingTB{TB: t}
		AssertOneLine(rec, "s", tc.s)
		if len(rec.failures) != tc.want {
			t.Errorf("AssertOneLine(%q) reported %d failures, want %d", tc.s, len(rec.failures), tc.want)
		}
	}
}

func TestHostileAlerts(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Hostile() {
		if names[c.Name] {
			t.Errorf("duplicate case %q", c.Name)
		}
		names[c.Name] = true
		if c.Alert.ID == "" || c.Alert.Watch == "" || len(c.Alert.Matches) == 0 {
			t.Errorf("case %q lacks id, watch or matches", c.Name)
		}
	}
	if n := len(Named("20 kB title").Title); n < 20_000 {
		t.Errorf("20 kB title is %d bytes", n)
	}
	if utf8.ValidString(Named("invalid utf-8").Title) {
		t.Errorf("invalid utf-8 case has a valid title")
	}
	s := SampleAlert()
	for _, attack := range []string{"<!channel>", "<https://evil.example|bank>", "\r\nBcc:", "<script>", "`"} {
		if !strings.Contains(s.Title, attack) {
			t.Errorf("SampleAlert title lacks %q", attack)
		}
	}
}

func TestStatusCasesTable(t *testing.T) {
	for _, c := range StatusCases() {
		permanent4xx := c.Code >= 400 && c.Code < 500 && c.Code != 408 && c.Code != 429
		if c.OK && (c.Code != http.StatusOK || c.Retryable) {
			t.Errorf("case %s: only 200 may be OK", c.Name())
		}
		if !c.OK && c.Retryable == permanent4xx {
			t.Errorf("case %s: retryable = %v contradicts the status mapping", c.Name(), c.Retryable)
		}
	}
}

func TestSilentListenerNeverGreets(t *testing.T) {
	c, err := net.Dial("tcp", SilentListener(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(make([]byte, 1))
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("read from silent listener = %d, %v; want nothing until the deadline", n, err)
	}
}
