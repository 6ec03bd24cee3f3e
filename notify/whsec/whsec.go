// Package whsec reads a webhook signing secret the Standard Webhooks way
// (https://www.standardwebhooks.com): "whsec_" followed by the standard
// base64 of a key of 24 to 64 bytes, or any other string used as raw
// bytes. It is a leaf package so that `newshound check` (package config)
// and the webhook channel when it starts judge a secret by the same code.
package whsec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Prefix marks a Standard Webhooks secret: base64 after it.
const Prefix = "whsec_"

// Key bounds, in bytes, as the Standard Webhooks specification gives them
// for a whsec_ key (192 to 512 bits).
const (
	MinKeyBytes = 24
	MaxKeyBytes = 64
)

// Key returns the HMAC key of a configured secret: the decoded bytes after
// Prefix, or the secret's own bytes when it has no prefix. A whsec_ secret
// must be standard base64 (padded as base64 pads) of MinKeyBytes to
// MaxKeyBytes bytes. Errors say what is wrong without naming the
// setting (the caller does) and never quote the secret or the decoder's
// message, which can.
func Key(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("is empty")
	}
	rest, ok := strings.CutPrefix(secret, Prefix)
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	switch {
	case err != nil:
		return nil, errors.New("the value after whsec_ is not valid standard base64")
	case len(key) < MinKeyBytes || len(key) > MaxKeyBytes:
		return nil, fmt.Errorf("the value after whsec_ decodes to %d bytes; Standard Webhooks keys have %d to %d",
			len(key), MinKeyBytes, MaxKeyBytes)
	}
	return key, nil
}
