package webhook

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/newshound/newshound/notify/notifytest"
)

// TestEchoedCredentialsMasked (RELIABILITY.md item 41): a receiver that
// refuses the alert (400) with the request echoed — its URL, each query
// parameter on its own line, and every header, Authorization: Basic
// included — leaves a dead letter whose reason, and a log, that hold no
// form of the URL's password, of "user:password" as basic auth encodes
// it, or of either piece of a token value split at its comma.
func TestEchoedCredentialsMasked(t *testing.T) {
	const (
		pass   = "hook-pass-SENTINEL-5c2e"
		token1 = "tok-SENTINEL-a91f"
		token2 = "tok-SENTINEL-0b7d"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		fmt.Fprintf(&b, "bad request %s %s\n", r.Method, r.URL.RequestURI())
		for k, vs := range r.URL.Query() {
			for _, v := range vs {
				for piece := range strings.SplitSeq(v, ",") {
					fmt.Fprintf(&b, "param %s: %s\n", k, piece)
				}
			}
		}
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&b, "%s: %s\n", k, r.Header.Get(k))
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	url := strings.Replace(srv.URL, "http://", "http://newshound:"+pass+"@", 1) + "/hooks/in?token=" + token1 + "," + token2
	n, err := New(Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	got := notifytest.DeliverOnce(t, n, notifytest.SampleAlert())
	if !strings.Contains(got.Reason, "400") || !strings.Contains(got.Reason, "Authorization: Basic <redacted>") {
		t.Errorf("dead letter reason = %q, want the 400 with the echoed Authorization masked", got.Reason)
	}
	for what, text := range map[string]string{"dead letter reason": got.Reason, "log": got.Logs} {
		notifytest.AssertNoForm(t, what, text, pass, "newshound:"+pass, token1, token2, token1+","+token2)
	}
}
