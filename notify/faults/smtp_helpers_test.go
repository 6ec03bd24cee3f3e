package faults_test

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/newshound/newshound/internal/testreceiver"
)

// header parses a received message and returns one header.
func header(t *testing.T, msg testreceiver.Message, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(msg.Data)))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, msg.Data)
	}
	return m.Header.Get(name)
}

// smtpErr is an SMTP reply with an enhanced code.
func smtpErr(code int, enhanced smtp.EnhancedCode, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: text}
}
