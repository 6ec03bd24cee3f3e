package email

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/golden"
	"github.com/newshound/newshound/notify/notifytest"
)

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(got))
}

func TestSanitizeHeader(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain title", "plain title"},
		{"title\r\nBcc: x@y", "title Bcc: x@y"},
		{"  lead\t\ttabs  ", "lead tabs"},
		{"nul\x00esc\x1b[31m", "nul esc [31m"},
		{"nel\u0085ls\u2028ps\u2029end", "nel ls ps end"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"الهول", "الهول"},
	} {
		if got := sanitizeHeader(tc.in); got != tc.want {
			t.Errorf("sanitizeHeader(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSanitizeHeader(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitizeHeader(s)
		notifytest.AssertOneLine(t, "sanitizeHeader output", got)
		if strings.ContainsFunc(got, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Errorf("sanitizeHeader(%q) = %q keeps a control character", s, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Errorf("sanitizeHeader(%q) = %q has untrimmed or doubled spaces", s, got)
		}
		if sanitizeHeader(got) != got {
			t.Errorf("sanitizeHeader is not idempotent on %q", s)
		}
	})
}

func TestSubject(t *testing.T) {
	for _, tc := range []struct{ watch, title, want string }{
		{"detainees", "Camp news", "[newshound] detainees: Camp news"},
		{"detainees", "", "[newshound] detainees: (untitled)"},
		{"w", "a\r\nBcc: x@y", "[newshound] w: a Bcc: x@y"},
	} {
		if got := subject(tc.watch, tc.title); got != tc.want {
			t.Errorf("subject(%q, %q) = %q, want %q", tc.watch, tc.title, got, tc.want)
		}
	}
}

func TestMessageID(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"nh_00112233445566778899aabbccddeeff", "nh_00112233445566778899aabbccddeeff@newshound"},
		{"a>b@c", "h" + "hash@newshound"},
		{"", "h" + "hash@newshound"},
		{"..", "h" + "hash@newshound"},
	} {
		got := messageID(tc.id)
		if strings.HasPrefix(tc.want, "hhash") {
			if !strings.HasPrefix(got, "h") || len(got) != len("h")+32+len("@newshound") {
				t.Errorf("messageID(%q) = %q, want a hashed id", tc.id, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("messageID(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	// Hashed ids must stay distinct: two alerts must not share a Message-ID.
	if a, b := messageID("x y"), messageID("x z"); a == b {
		t.Errorf("messageID(%q) = messageID(%q) = %q, want distinct", "x y", "x z", a)
	}
}
