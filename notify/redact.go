package notify

import (
	"github.com/newshound/newshound/notify/highlight"

	"errors"
	"net/url"
	"path"
	"sort"
	"strings"
)

// minSecretLen keeps the redactor from scrubbing trivial strings such as
// "/" that would mangle every message without protecting anything.
const minSecretLen = 4

// Redactor scrubs known credentials (webhook URLs, tokens, passwords) from
// error messages before they leave a channel.
type Redactor []string

// NewRedactor keeps the secrets worth scrubbing, longest first so that a
// full URL is replaced before its path.
func NewRedactor(secrets ...string) Redactor {
	var r Redactor
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			r = append(r, s)
		}
	}
	sort.Slice(r, func(i, j int) bool { return len(r[i]) > len(r[j]) })
	return r
}

// String returns s with every secret replaced by "<redacted>", for text
// shown to the operator (a receiver's answer in test-notify).
func (r Redactor) String(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	return s
}

// Err returns err unchanged when its message holds no secret. Otherwise it
// returns a new error with the secrets replaced, keeping only the
// Retry-After delay: the original chain is dropped because any caller
// could reach and log it with errors.As.
func (r Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.String(msg)
	if clean == msg {
		return err
	}
	out := errors.New(clean)
	if d := RetryAfter(err); d > 0 {
		return &DelayError{After: d, Err: out}
	}
	return out
}

// URLSecrets lists the forms in which a credential-bearing URL could be
// echoed: whole, as sent on the request line, its path, its query, its
// last path segment (where hook tokens live) and its password.
func URLSecrets(raw string, u *url.URL) []string {
	s := []string{raw, u.String(), u.RequestURI(), u.EscapedPath(), u.Path, u.RawQuery}
	if last := path.Base(u.Path); last != "/" && last != "." {
		s = append(s, last)
	}
	if p, ok := u.User.Password(); ok {
		s = append(s, p, u.User.String())
	}
	return s
}

// Truncate shortens s to at most max runes, ending with "…" when cut, and
// replaces invalid UTF-8, so an untrusted field never fails a delivery by
// its length or its bytes. It is highlight.Truncate, kept here because
// every channel uses it; the code lives in the leaf package so that
// notify/tmpl (and through it config) need not import notify and the store.
func Truncate(s string, max int) string { return highlight.Truncate(s, max) }
