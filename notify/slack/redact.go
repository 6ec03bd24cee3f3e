package slack

import (
	"errors"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/newshound/newshound/notify"
)

// minSecretLen keeps the redactor from scrubbing trivial strings such as
// "/" that would mangle every message without protecting anything.
const minSecretLen = 4

// redactor scrubs known credentials from error messages.
type redactor []string

// newRedactor keeps the secrets worth scrubbing, longest first so that a
// full URL is replaced before its path.
func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			r = append(r, s)
		}
	}
	sort.Slice(r, func(i, j int) bool { return len(r[i]) > len(r[j]) })
	return r
}

// err returns err unchanged when its message holds no secret. Otherwise it
// returns a new error with the secrets replaced, keeping only the
// Retry-After delay: the original chain is dropped because any caller
// could reach and log it with errors.As.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range r {
		clean = strings.ReplaceAll(clean, s, "<redacted>")
	}
	if clean == msg {
		return err
	}
	out := errors.New(clean)
	if d := notify.RetryAfter(err); d > 0 {
		return &notify.DelayError{After: d, Err: out}
	}
	return out
}

// urlSecrets lists the forms in which a credential-bearing URL could be
// echoed: whole, as sent on the request line, its path, its query, its
// last path segment (where hook tokens live) and its password.
func urlSecrets(raw string, u *url.URL) []string {
	s := []string{raw, u.String(), u.RequestURI(), u.EscapedPath(), u.Path, u.RawQuery}
	if last := path.Base(u.Path); last != "/" && last != "." {
		s = append(s, last)
	}
	if p, ok := u.User.Password(); ok {
		s = append(s, p, u.User.String())
	}
	return s
}
