package config

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redacted is what every printing or marshalling path shows for a
// non-empty Secret.
const redacted = "<secret>"

// Secret is a configuration value that must never be printed: a password,
// a token, or a webhook URL that embeds one. Every way of formatting or
// marshalling it (fmt verbs, JSON, YAML, text, slog) yields "<secret>", or
// "" when it is empty, so that an empty secret still reads as unset. Only
// Reveal returns the value; call it at the point of use and nowhere else.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "<secret>" (or "" when empty).
func (s Secret) String() string { return s.masked() }

// GoString returns "<secret>" (or "" when empty), for %#v.
func (s Secret) GoString() string { return s.masked() }

// Format prints the mask for every verb, quoted for %q, so that no verb
// (%x included) can leak the value.
func (s Secret) Format(f fmt.State, verb rune) {
	v := s.masked()
	if verb == 'q' {
		v = strconv.Quote(v)
	}
	_, _ = io.WriteString(f, v)
}

// MarshalJSON returns the mask as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.masked())), nil }

// MarshalYAML returns the mask.
func (s Secret) MarshalYAML() (any, error) { return s.masked(), nil }

// MarshalText returns the mask.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// LogValue returns the mask, so slog never logs the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.masked()) }

// The types holding secrets format through method-less copies of
// themselves. Without this, a verb that does not fit a pointer (%s, %t...)
// on a struct reaching them through a pointer makes fmt print the pointee
// with every Format method switched off, Secret's included.

// Format prints w with its secrets masked, whatever the verb.
func (w Webhook) Format(f fmt.State, verb rune) {
	type webhook Webhook
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), webhook(w))
}

// Format prints s with its secret masked, whatever the verb.
func (s Slack) Format(f fmt.State, verb rune) {
	type slack Slack
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), slack(s))
}

// Format prints e with its password masked, whatever the verb.
func (e Email) Format(f fmt.State, verb rune) {
	type email Email
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), email(e))
}
