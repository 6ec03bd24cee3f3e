package whsec

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", n))) }
	tests := []struct {
		secret  string
		wantLen int    // of the key, when valid
		wantErr string // substring of the error; "" = valid
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24, ""}, // the specification's test vector
		{"whsec_" + b64(32), 32, ""},
		{"whsec_" + b64(64), 64, ""},
		{"raw secret of any length", 24, ""},
		{"short", 5, ""},
		{"", 0, "is empty"},
		{"whsec_", 0, "decodes to 0 bytes"},
		{"whsec_" + b64(23), 0, "decodes to 23 bytes"},
		{"whsec_" + b64(65), 0, "decodes to 65 bytes"},
		{"whsec_not base64!", 0, "not valid standard base64"},
		{"whsec_" + strings.TrimRight(b64(32), "="), 0, "not valid standard base64"}, // padding missing
		{"whsec_" + base64.URLEncoding.EncodeToString([]byte(strings.Repeat("\xfb", 30))), 0, "not valid standard base64"},
	}
	for _, tt := range tests {
		key, err := Key(tt.secret)
		switch {
		case tt.wantErr == "" && (err != nil || len(key) != tt.wantLen):
			t.Errorf("Key(%q) = %d bytes, %v; want %d bytes", tt.secret, len(key), err, tt.wantLen)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Key(%q) error = %v, want one saying %q", tt.secret, err, tt.wantErr)
		case err != nil && len(tt.secret) > len(Prefix)+4 && strings.Contains(err.Error(), tt.secret[len(Prefix):]):
			t.Errorf("Key(%q) error %q quotes the secret", tt.secret, err)
		}
	}
}
