package notifytest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/notify"
)

// StatusCase is one row of the HTTP status → outcome table.
type StatusCase struct {
	Code int
	// RetryAfter is the Retry-After header the receiver sends ("" for none).
	RetryAfter string
	// OK reports that the alert counts as delivered.
	OK bool
	// Retryable is the expected retryable result when OK is false.
	Retryable bool
	// Delay is the expected notify.RetryAfter of the error.
	Delay time.Duration
}

// Name describes the case for t.Run.
func (c StatusCase) Name() string {
	if c.RetryAfter != "" {
		return fmt.Sprintf("%d retry-after %s", c.Code, c.RetryAfter)
	}
	return fmt.Sprint(c.Code)
}

// StatusCases returns the table both HTTP channels must satisfy: 200 is
// delivered; 3xx is a retryable failure and never followed; 408, 429 and
// 5xx are retryable, keeping Retry-After; every other 4xx is permanent.
// Only 200 is in the success rows because Slack accepts nothing else.
func StatusCases() []StatusCase {
	return []StatusCase{
		{Code: 200, OK: true},
		{Code: 301, Retryable: true},
		{Code: 302, Retryable: true},
		{Code: 307, Retryable: true},
		{Code: 308, Retryable: true},
		{Code: 400},
		{Code: 401},
		{Code: 403},
		{Code: 404},
		{Code: 410},
		{Code: 413},
		{Code: 422},
		{Code: 408, Retryable: true},
		{Code: 429, Retryable: true},
		{Code: 429, RetryAfter: "120", Retryable: true, Delay: 120 * time.Second},
		{Code: 500, Retryable: true},
		{Code: 502, Retryable: true},
		{Code: 503, Retryable: true},
		{Code: 503, RetryAfter: "30", Retryable: true, Delay: 30 * time.Second},
		{Code: 504, Retryable: true},
	}
}

// NewFunc builds the notifier under test pointed at url, and returns the
// secrets that must never appear in its errors.
type NewFunc func(t *testing.T, url string) (n notify.Notifier, secrets []string)

// RunStatusCases runs every StatusCases row against a real httptest
// receiver that answers with the row's status, Retry-After header and the
// given body. The URL handed to newNotifier ends in SentinelSecret, as a
// Slack webhook URL ends in its token, so the no-secret check is real.
// Redirects point at a second path; reaching it fails the test.
func RunStatusCases(t *testing.T, newNotifier NewFunc, body string) {
	t.Helper()
	for _, tc := range StatusCases() {
		t.Run(tc.Name(), func(t *testing.T) {
			var followed atomic.Bool
			mux := http.NewServeMux()
			mux.HandleFunc("/moved", func(w http.ResponseWriter, _ *http.Request) {
				followed.Store(true)
				fmt.Fprint(w, body)
			})
			mux.HandleFunc("/hook/", func(w http.ResponseWriter, _ *http.Request) {
				if tc.RetryAfter != "" {
					w.Header().Set("Retry-After", tc.RetryAfter)
				}
				if tc.Code >= 300 && tc.Code < 400 {
					w.Header().Set("Location", "/moved")
				}
				w.WriteHeader(tc.Code)
				fmt.Fprint(w, body)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)

			n, secrets := newNotifier(t, srv.URL+"/hook/"+SentinelSecret)
			retryable, err := n.Notify(context.Background(), SampleAlert())
			checkStatusOutcome(t, tc, retryable, err)
			AssertNoSecret(t, err, append(secrets, SentinelSecret)...)
			if followed.Load() {
				t.Errorf("Notify followed a %d redirect", tc.Code)
			}
		})
	}
}

func checkStatusOutcome(t *testing.T, tc StatusCase, retryable bool, err error) {
	t.Helper()
	if tc.OK {
		if err != nil {
			t.Errorf("Notify on %d = %v, want delivered", tc.Code, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Notify on %d = nil error, want a failure", tc.Code)
	}
	if retryable != tc.Retryable {
		t.Errorf("Notify on %d: retryable = %v, want %v (err %v)", tc.Code, retryable, tc.Retryable, err)
	}
	if got := notify.RetryAfter(err); got != tc.Delay {
		t.Errorf("Notify on %d: RetryAfter = %v, want %v", tc.Code, got, tc.Delay)
	}
}
