package email

import (
	"strings"
	"testing"

	"github.com/newshound/newshound/notify/notifytest"
)

// TestEchoedAuthMasked (RELIABILITY.md item 41): an SMTP server that
// refuses AUTH with a reply quoting, in base64, what the client sent
// (PLAIN's "\x00user\x00password"; LOGIN's user name and password) leaves
// a dead letter whose reason, and a log, that hold no form of the
// password or of PLAIN's response, nor LOGIN's base64 of the user name.
func TestEchoedAuthMasked(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			be := &backend{user: "newshound", pass: password, echoAuth: mech}
			n := newNotifier(t, baseConfig(serve(t, be, nil, false)))
			got := notifytest.DeliverOnce(t, n, notifytest.SampleAlert())
			if !strings.Contains(got.Reason, "535") || !strings.Contains(got.Reason, "<redacted>") {
				t.Errorf("%s: dead letter reason = %q, want the 535 with the quoted credentials masked", mech, got.Reason)
			}
			for what, text := range map[string]string{"dead letter reason": got.Reason, "log": got.Logs} {
				notifytest.AssertNoForm(t, mech+" "+what, text, password, "\x00newshound\x00"+password)
				if b64 := "bmV3c2hvdW5k"; strings.Contains(text, b64) { // base64("newshound")
					t.Errorf("%s %s holds the base64 of the user name: %s", mech, what, text)
				}
			}
		})
	}
}
