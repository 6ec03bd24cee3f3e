package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/notify/whsec"
)

// Tolerance is how far a webhook-timestamp may lie from the receiver's
// clock before Verify rejects it, as the Standard Webhooks spec suggests:
// it bounds replay of a captured request.
const Tolerance = 5 * time.Minute

// Errors returned by Verify; test with errors.Is.
var (
	ErrMissingHeaders   = errors.New("webhook signature headers missing")
	ErrBadTimestamp     = errors.New("webhook timestamp invalid or outside tolerance")
	ErrNoValidSignature = errors.New("no valid webhook signature")
)

// signingKey derives the HMAC key from a configured secret: whsec.Key,
// the function `newshound check` judges the secret with.
func signingKey(secret string) ([]byte, error) {
	key, err := whsec.Key(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	return key, nil
}

// Sign returns the webhook-signature header value ("v1," + base64 HMAC)
// for a message id, timestamp and body, per Standard Webhooks.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := signingKey(secret)
	if err != nil {
		return "", err
	}
	return sign(key, id, strconv.FormatInt(ts.Unix(), 10), body), nil
}

func sign(key []byte, id, ts string, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts, body))
}

// mac is HMAC-SHA256 over "id.timestamp.body"; ts is used exactly as it
// travels in the header.
func mac(key []byte, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received request as a Standard Webhooks receiver does:
// the three headers are present, the timestamp is within Tolerance of now,
// and one of the space-separated "v1,<base64>" signatures matches
// (compared in constant time). Other signature versions are ignored.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingHeaders
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not Unix seconds", ErrBadTimestamp, ts)
	}
	// Compare against bounds rather than subtracting: secs is attacker
	// input and a difference could overflow.
	tol := int64(Tolerance / time.Second)
	if secs < now.Unix()-tol || secs > now.Unix()+tol {
		return fmt.Errorf("%w: %d is more than %v from now", ErrBadTimestamp, secs, Tolerance)
	}
	key, err := signingKey(secret)
	if err != nil {
		return err
	}
	want := mac(key, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoValidSignature
}
