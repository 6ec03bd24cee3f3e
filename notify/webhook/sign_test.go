package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The published Standard Webhooks test vector: any receiver library must
// accept what we send, so we must reproduce it exactly.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignStandardVector(t *testing.T) {
	got, err := Sign(vecSecret, vecID, time.Unix(vecTS, 0), []byte(vecBody))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if got != vecSig {
		t.Errorf("Sign(vector) = %q, want %q", got, vecSig)
	}
}

func TestSignRejectsBadSecret(t *testing.T) {
	for _, secret := range []string{"", "whsec_", "whsec_not base64!", "whsec_c2VjcmV0" /* 6 bytes */} {
		if _, err := Sign(secret, "id", time.Unix(0, 0), nil); err == nil {
			t.Errorf("Sign(%q) = nil error, want error", secret)
		}
	}
}

func vecHeader(sig, ts string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", vecID)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", sig)
	return h
}

func TestVerify(t *testing.T) {
	now := time.Unix(vecTS, 0)
	ts := strconv.Itoa(vecTS)
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"valid", vecSecret, vecHeader(vecSig, ts), vecBody, now, nil},
		{"valid among several", vecSecret, vecHeader("v1,bm9wZQ== v2,x "+vecSig, ts), vecBody, now, nil},
		{"within tolerance", vecSecret, vecHeader(vecSig, ts), vecBody, now.Add(Tolerance), nil},
		{"tampered body", vecSecret, vecHeader(vecSig, ts), `{"test": 2432232315}`, now, ErrNoValidSignature},
		{"wrong secret", "whsec_YW5vdGhlci1rZXktb2YtdHdlbnR5LWZvdXI=", vecHeader(vecSig, ts), vecBody, now, ErrNoValidSignature},
		{"raw secret is not the decoded key", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", vecHeader(vecSig, ts), vecBody, now, ErrNoValidSignature},
		{"only other versions", vecSecret, vecHeader("v2,"+vecSig[3:], ts), vecBody, now, ErrNoValidSignature},
		{"too old", vecSecret, vecHeader(vecSig, ts), vecBody, now.Add(Tolerance + time.Second), ErrBadTimestamp},
		{"from the future", vecSecret, vecHeader(vecSig, ts), vecBody, now.Add(-Tolerance - time.Second), ErrBadTimestamp},
		{"timestamp not a number", vecSecret, vecHeader(vecSig, "soon"), vecBody, now, ErrBadTimestamp},
		{"extreme timestamp", vecSecret, vecHeader(vecSig, "-9223372036854775808"), vecBody, now, ErrBadTimestamp},
		{"missing headers", vecSecret, http.Header{}, vecBody, now, ErrMissingHeaders},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.h, []byte(tc.body), tc.now)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("Verify(%s) = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(vecSecret, vecID, strconv.Itoa(vecTS), vecSig, []byte(vecBody))
	f.Add("raw-secret", "nh_1", "0", "v1,", []byte{})
	f.Add("whsec_", "", "-1", "v1,,, v1", []byte("{}"))
	f.Fuzz(func(t *testing.T, secret, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		_ = Verify(secret, h, body, time.Unix(vecTS, 0)) // must not panic

		// Whatever we sign, we verify; a flipped body byte never verifies.
		now := time.Unix(vecTS, 0)
		good, err := Sign(secret, "nh_fuzz", now, body)
		if err != nil {
			return
		}
		h = vecHeader(good, strconv.Itoa(vecTS))
		h.Set("webhook-id", "nh_fuzz")
		if err := Verify(secret, h, body, now); err != nil {
			t.Fatalf("Verify(Sign(...)) = %v", err)
		}
		if len(body) > 0 {
			bad := append([]byte(nil), body...)
			bad[0] ^= 1
			if err := Verify(secret, h, bad, now); !errors.Is(err, ErrNoValidSignature) {
				t.Fatalf("Verify(tampered) = %v, want %v", err, ErrNoValidSignature)
			}
		}
	})
}
