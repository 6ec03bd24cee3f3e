package crawler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/newshound/newshound/internal/golden"
)

// checkGolden compares got with the golden file at path, or rewrites the
// file when -update is given.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
