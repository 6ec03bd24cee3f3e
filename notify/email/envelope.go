package email

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/newshound/newshound/internal/textsafe"
)

// maxReplyRunes bounds one server reply quoted in an error, a log line or
// a test answer: enough for any real reply, not a flood from a hostile one.
const maxReplyRunes = 300

// refusal is one recipient the server refused at RCPT TO.
type refusal struct {
	rcpt  string // as sent: "<desk@news.example>"
	code  int    // the reply code: 4xx for now, 5xx for good
	reply string // the whole reply on one line: "550 5.1.1 no such user"
}

// refusals are the recipients refused in one transaction, in the order
// of the configuration.
type refusals []refusal

// temporary reports whether any refusal is for now only (4xx, or a code
// no RCPT should answer): then nothing is sent and the whole message is
// retried later, to everyone.
func (rs refusals) temporary() bool {
	for _, r := range rs {
		if r.code < 500 || r.code > 599 {
			return true
		}
	}
	return false
}

// String is "<a@x>: 550 5.1.1 no such user; <b@y>: 450 4.2.1 busy".
func (rs refusals) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.rcpt + ": " + r.reply
	}
	return strings.Join(parts, "; ")
}

// rcptError is a transaction that stopped at RCPT TO without sending:
// a recipient was refused for now, or every recipient for good.
type rcptError struct {
	refused refusals
}

func (e *rcptError) Error() string {
	if e.refused.temporary() {
		return "recipient refused for now, nothing sent: " + e.refused.String()
	}
	return "every recipient refused: " + e.refused.String()
}

// replyLine folds a (possibly multi-line) server reply into one bounded
// line.
func replyLine(code int, msg string) string {
	return textsafe.Truncate(fmt.Sprintf("%03d %s", code, strings.Join(strings.Fields(msg), " ")), maxReplyRunes)
}

// transact runs one mail transaction for msg on sc: MAIL FROM, one
// RCPT TO per recipient, each reply read on its own, then DATA to the
// recipients the server accepted, as RFC 5321 §3.3 allows. It returns
// the reply to the final dot and the recipients refused in a delivery
// that still reached the others. It sends nothing, and returns a
// *rcptError, when a recipient is refused for now (4xx) or every one for
// good (5xx).
//
// go-mail's own Send cannot do this: it aborts the whole message when one
// RCPT fails, and its SendError (v0.8.1) exposes neither which recipients
// failed nor each one's reply (its code and temporary flag are those of
// the last refusal). So the transaction is ours, on go-mail's connected
// and authenticated smtp.Client, and go-mail still writes the message
// (Msg.WriteTo): the bytes are the ones go-mail's Send would have sent.
func (n *Notifier) transact(sc *smtp.Client, msg *gomail.Msg) (answer string, refused refusals, err error) {
	from, err := msg.GetSender(false)
	if err != nil {
		return "", nil, fmt.Errorf("sender: %w", err)
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return "", nil, fmt.Errorf("recipients: %w", err)
	}
	// Each command gets the whole timeout, as the greeting and EHLO did.
	if err := sc.UpdateDeadline(n.timeout); err != nil {
		return "", nil, err
	}
	if err := sc.Mail(from); err != nil {
		return "", nil, fmt.Errorf("MAIL FROM: %w", err)
	}
	accepted := 0
	for _, rcpt := range rcpts {
		if err := sc.UpdateDeadline(n.timeout); err != nil {
			return "", nil, err
		}
		err := sc.Rcpt(rcpt)
		var reply *textproto.Error
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &reply):
			refused = append(refused, refusal{rcpt: rcpt, code: reply.Code, reply: replyLine(reply.Code, reply.Msg)})
		default:
			// No reply: the connection is in trouble, not the recipient.
			return "", nil, fmt.Errorf("RCPT TO %s: %w", rcpt, err)
		}
	}
	if refused.temporary() || accepted == 0 {
		// QUIT follows and ends the transaction; nothing was sent.
		return "", nil, &rcptError{refused: refused}
	}
	if err := sc.UpdateDeadline(n.timeout); err != nil {
		return "", nil, err
	}
	w, err := sc.Data()
	if err != nil {
		return "", nil, fmt.Errorf("DATA: %w", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		return "", nil, fmt.Errorf("write message: %w", err)
	}
	// The final dot and its reply get a timeout of their own: a large
	// digest may have taken most of the last one to write.
	if err := sc.UpdateDeadline(n.timeout); err != nil {
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, fmt.Errorf("end of DATA: %w", err)
	}
	var reply string
	if dc, ok := w.(*smtp.DataCloser); ok {
		reply = dc.ServerResponse()
	}
	// DataCloser reads the reply expecting 250: the code is 250.
	return strings.TrimSpace("250 " + reply), refused, nil
}
