package notify

import (
	"encoding/base64"
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
// error messages before they leave a channel, in every form in which a
// receiver could echo them (see Encodings).
type Redactor []string

// NewRedactor keeps the secrets worth scrubbing, each with its Encodings,
// longest first so that a full URL is replaced before its path.
func NewRedactor(secrets ...string) Redactor {
	var r Redactor
	seen := map[string]bool{}
	for _, s := range secrets {
		for _, form := range Encodings(s) {
			if len(form) >= minSecretLen && !seen[form] {
				seen[form] = true
				r = append(r, form)
			}
		}
	}
	sort.SliceStable(r, func(i, j int) bool { return len(r[i]) > len(r[j]) })
	return r
}

// Encodings lists the forms in which a credential travels or comes back
// in a receiver's echo: as is, percent-encoded for a query and for a
// path, and base64 in the standard and URL alphabets, with and without
// padding. A receiver that answers with the request's headers shows
// "Authorization: Basic base64(user:pass)"; an SMTP server's error reply
// may quote what AUTH sent.
func Encodings(s string) []string {
	if s == "" {
		return nil
	}
	return append([]string{s, url.QueryEscape(s), url.PathEscape(s)}, Base64Forms(s)...)
}

// Base64Forms is s in base64: standard and URL alphabets, each with and
// without padding (duplicates left in when they coincide).
func Base64Forms(s string) []string {
	b := []byte(s)
	return []string{
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
	}
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

// URLSecrets lists the parts of a credential-bearing URL that could be
// echoed: whole, as sent on the request line, its path, its query, its
// last path segment (where hook tokens live), each query value on its own
// and each comma-separated piece of it (a receiver may list parameters
// one by one, or split a value at commas), its password, and
// "user:password" as HTTP basic auth sends it. NewRedactor adds their
// encodings.
func URLSecrets(raw string, u *url.URL) []string {
	s := []string{raw, u.String(), u.RequestURI(), u.EscapedPath(), u.Path, u.RawQuery}
	if last := path.Base(u.Path); last != "/" && last != "." {
		s = append(s, last)
	}
	for _, values := range u.Query() {
		for _, v := range values {
			s = append(s, v)
			if strings.Contains(v, ",") {
				s = append(s, strings.Split(v, ",")...)
			}
		}
	}
	if p, ok := u.User.Password(); ok {
		s = append(s, p, u.User.String(), u.User.Username()+":"+p)
	}
	return s
}
