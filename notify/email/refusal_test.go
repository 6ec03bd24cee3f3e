package email

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/newshound/newshound/notify/notifytest"
)

// Three configured recipients; the cases refuse some of them.
const (
	deskAddr  = "desk@news.example"
	nightAddr = "night@news.example"
	goneAddr  = "gone@news.example"
)

var (
	noSuchUser  = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	mailboxBusy = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy, try later"}
	// A server that echoes what it was sent, the password included.
	echoesSecret = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user (auth was " + password + ")"}
)

// sendPath is one of the ways a message leaves the Notifier: all go
// through the same transaction and must refuse recipients alike.
type sendPath struct {
	name string
	send func(*Notifier) (answer string, retryable bool, err error)
}

var sendPaths = []sendPath{
	{"notify", func(n *Notifier) (string, bool, error) {
		retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
		return "", retryable, err
	}},
	{"digest", func(n *Notifier) (string, bool, error) {
		retryable, err := n.NotifyDigest(context.Background(), digestAlerts())
		return "", retryable, err
	}},
	{"test", func(n *Notifier) (string, bool, error) {
		return n.Test(context.Background(), notifytest.SampleAlert())
	}},
}

func TestRefusedRecipients(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse map[string]error
		// want: delivered (no error), retryable or permanent.
		delivered, retryable bool
		// receivers each get exactly one copy; the others none.
		receivers []string
		// mention must appear in the warning line (delivered) or the
		// error (not delivered).
		mention []string
	}{
		{
			name:      "all accepted",
			delivered: true,
			receivers: []string{deskAddr, nightAddr, goneAddr},
		},
		{
			name:      "one of three 550",
			refuse:    map[string]error{goneAddr: noSuchUser},
			delivered: true,
			receivers: []string{deskAddr, nightAddr},
			mention:   []string{"<" + goneAddr + ">", "550 5.1.1 no such user"},
		},
		{
			name:      "two of three 550",
			refuse:    map[string]error{deskAddr: noSuchUser, goneAddr: noSuchUser},
			delivered: true,
			receivers: []string{nightAddr},
			mention:   []string{"<" + deskAddr + ">", "<" + goneAddr + ">", "550 5.1.1 no such user"},
		},
		{
			name:      "refusal echoes the password",
			refuse:    map[string]error{goneAddr: echoesSecret},
			delivered: true,
			receivers: []string{deskAddr, nightAddr},
			mention:   []string{"<" + goneAddr + ">", "550 5.1.1 no such user (auth was <redacted>)"},
		},
		{
			name:    "all 550",
			refuse:  map[string]error{deskAddr: noSuchUser, nightAddr: noSuchUser, goneAddr: noSuchUser},
			mention: []string{"<" + deskAddr + ">", "<" + nightAddr + ">", "<" + goneAddr + ">", "550 5.1.1 no such user"},
		},
		{
			name:      "one 450 and one 550",
			refuse:    map[string]error{deskAddr: mailboxBusy, goneAddr: noSuchUser},
			retryable: true,
			mention:   []string{"<" + deskAddr + ">: 450 4.2.1 mailbox busy", "<" + goneAddr + ">: 550 5.1.1"},
		},
		{
			// go-mail keeps only the last refusal's code: a 450 before a
			// 550 must still make the send retryable.
			name:      "450 last after 550",
			refuse:    map[string]error{deskAddr: noSuchUser, goneAddr: mailboxBusy},
			retryable: true,
			mention:   []string{"450 4.2.1 mailbox busy"},
		},
		{
			name:      "one 450",
			refuse:    map[string]error{nightAddr: mailboxBusy},
			retryable: true,
			mention:   []string{"<" + nightAddr + ">: 450 4.2.1 mailbox busy"},
		},
	} {
		for _, path := range sendPaths {
			t.Run(tc.name+"/"+path.name, func(t *testing.T) {
				be := &backend{user: "newshound", pass: password, refuse: tc.refuse}
				cfg := baseConfig(serve(t, be, nil, false))
				cfg.To = []string{deskAddr, "Night Editor <" + nightAddr + ">", goneAddr}
				var logs bytes.Buffer
				n := newNotifier(t, cfg, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

				answer, retryable, err := path.send(n)

				switch {
				case tc.delivered && err != nil:
					t.Fatalf("send(%s) = %v (retryable %v), want delivered", tc.name, err, retryable)
				case !tc.delivered && err == nil:
					t.Fatalf("send(%s) = delivered, want an error with retryable %v", tc.name, tc.retryable)
				case !tc.delivered && retryable != tc.retryable:
					t.Errorf("send(%s) retryable = %v, want %v (%v)", tc.name, retryable, tc.retryable, err)
				}
				notifytest.AssertNoSecret(t, err, password)
				if strings.Contains(logs.String(), password) || strings.Contains(answer, password) {
					t.Errorf("send(%s) leaks the password: log %q, answer %q", tc.name, logs.String(), answer)
				}
				if got := be.rcptCount(); got != len(cfg.To) {
					t.Errorf("send(%s) issued %d RCPT TO, want %d (one per recipient, no second round)", tc.name, got, len(cfg.To))
				}
				checkReceivers(t, be, tc.receivers)

				refusedSome := tc.delivered && len(tc.refuse) > 0
				if refusedSome != strings.Contains(logs.String(), "level=WARN") {
					t.Errorf("send(%s) log = %q, want a warning: %v", tc.name, logs.String(), refusedSome)
				}
				var where string
				switch {
				case !tc.delivered:
					where = err.Error()
				case refusedSome:
					where = logs.String()
				}
				for _, m := range tc.mention {
					if !strings.Contains(where, m) {
						t.Errorf("send(%s): %q does not mention %q", tc.name, where, m)
					}
				}
				if path.name == "test" && tc.delivered {
					checkTestAnswer(t, answer, tc.refuse)
				}
			})
		}
	}
}

// checkReceivers asserts that each of want got exactly one copy and
// nobody else any, every copy with the configured To: header.
func checkReceivers(t *testing.T, be *backend, want []string) {
	t.Helper()
	copies := map[string]int{}
	for _, d := range be.deliveries() {
		for _, to := range d.to {
			copies[to]++
		}
		p := parse(t, d.data)
		wantTo := `<desk@news.example>, "Night Editor" <night@news.example>, <gone@news.example>`
		if got := p.header.Get("To"); got != wantTo {
			t.Errorf("To: = %q, want every configured address %q", got, wantTo)
		}
	}
	for _, addr := range []string{deskAddr, nightAddr, goneAddr} {
		wantCopies := 0
		if slices.Contains(want, addr) {
			wantCopies = 1
		}
		if copies[addr] != wantCopies {
			t.Errorf("%s received %d copies, want %d", addr, copies[addr], wantCopies)
		}
	}
	if len(want) > 0 && len(be.deliveries()) != 1 {
		t.Errorf("server stored %d messages, want 1", len(be.deliveries()))
	}
}

// checkTestAnswer asserts the test-notify answer: the reply to the final
// dot first, then, when some were refused, a line naming each.
func checkTestAnswer(t *testing.T, answer string, refused map[string]error) {
	t.Helper()
	first, rest, _ := strings.Cut(answer, "\n")
	if first != "250 2.0.0 OK: queued" {
		t.Errorf("Test answer starts %q, want the reply to the final dot", first)
	}
	for addr := range refused {
		if !strings.Contains(rest, "<"+addr+">: 550 5.1.1") {
			t.Errorf("Test answer %q does not name refused %s with its reply", answer, addr)
		}
	}
	if len(refused) == 0 && rest != "" {
		t.Errorf("Test answer %q, want only the reply when nobody was refused", answer)
	}
}

func FuzzOneLine(f *testing.F) {
	f.Add(550, "5.1.1 no such user")
	f.Add(451, "first line\n451-second\r\nthird\x00")
	f.Add(250, strings.Repeat("é", 400))
	f.Fuzz(func(t *testing.T, code int, msg string) {
		got := replyLine(code, msg)
		if strings.ContainsAny(got, "\r\n") {
			t.Errorf("replyLine(%d, %q) = %q, want one line", code, msg, got)
		}
		if n := len([]rune(got)); n > maxReplyRunes {
			t.Errorf("replyLine(%d, %q) is %d runes, want ≤ %d", code, msg, n, maxReplyRunes)
		}
	})
}
