package slack

import (
	"testing"

	"github.com/newshound/newshound/internal/textsafe"
)

// checkInert fails when s is not inert mrkdwn (textsafe.SlackInert): a
// raw '<' or '>', or an '&' that begins none of the three entities.
func checkInert(t *testing.T, what, s string) {
	t.Helper()
	if i := textsafe.SlackInert(s); i >= 0 {
		t.Errorf("%s is not inert mrkdwn at byte %d: %q", what, i, s)
	}
}
