package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder captures failures so the test can check that Check reports a
// mismatch instead of failing itself.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		got      string
		wantFail bool
	}{{"same\n", false}, {"other\n", true}} {
		r := &recorder{TB: t}
		Check(r, path, []byte(tt.got))
		if r.failed != tt.wantFail {
			t.Errorf("Check(%q) failed = %v, want %v", tt.got, r.failed, tt.wantFail)
		}
	}
}
