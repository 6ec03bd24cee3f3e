package crawler

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readCapped(raw []byte, gzipped bool, limit int64) ([]byte, error) {
	return io.ReadAll(&cappedBody{raw: io.NopCloser(bytes.NewReader(raw)), gzipped: gzipped, limit: limit})
}

func TestCappedBody(t *testing.T) {
	payload := []byte(strings.Repeat("<url><loc>https://e.example/</loc></url>", 100)) // 4000 bytes
	tests := []struct {
		name    string
		raw     []byte
		gzipped bool
		limit   int64
		want    []byte
		wantErr bool
	}{
		{"plain under", payload, false, 4000, payload, false},
		{"plain over", payload, false, 3999, nil, true},
		{"content-encoding gzip", gzipBytes(t, payload), true, 4000, payload, false},
		{"content-encoding gzip over", gzipBytes(t, payload), true, 100, nil, true},
		{"sniffed gzip (.xml.gz)", gzipBytes(t, payload), false, 4000, payload, false},
		{"two layers", gzipBytes(t, gzipBytes(t, payload)), true, 4000, payload, false},
		{"three layers stay compressed", gzipBytes(t, gzipBytes(t, gzipBytes(t, payload))), false, 1 << 20, nil, false},
		{"empty", nil, false, 10, []byte{}, false},
	}
	for _, tt := range tests {
		got, err := readCapped(tt.raw, tt.gzipped, tt.limit)
		if tt.wantErr {
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Errorf("read(%s) error = %v, want ErrBodyTooLarge", tt.name, err)
			}
			if int64(len(got)) > tt.limit {
				t.Errorf("read(%s) returned %d bytes, more than the limit %d", tt.name, len(got), tt.limit)
			}
			continue
		}
		if err != nil {
			t.Errorf("read(%s) error: %v", tt.name, err)
			continue
		}
		if tt.want != nil && !bytes.Equal(got, tt.want) {
			t.Errorf("read(%s) = %d bytes, want %d", tt.name, len(got), len(tt.want))
		}
	}
}

func TestCappedBodyMessage(t *testing.T) {
	_, err := readCapped(bytes.Repeat([]byte("a"), DefaultMaxBodyBytes+1), false, DefaultMaxBodyBytes)
	if err == nil || err.Error() != "body exceeds 10 MiB: body too large" {
		t.Errorf("read(10 MiB + 1) error = %v, want %q", err, "body exceeds 10 MiB: body too large")
	}
}

func TestCappedBodyBadGzip(t *testing.T) {
	_, err := readCapped([]byte("not gzip"), true, 100)
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("read(bad gzip) error = %v, want a gzip error", err)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{10 << 20, "10 MiB"}, {1 << 20, "1 MiB"}, {512 << 10, "512 KiB"}, {1000, "1000 bytes"}, {(1 << 20) + 1, "1048577 bytes"},
	}
	for _, tt := range tests {
		if got := byteSize(tt.n); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
