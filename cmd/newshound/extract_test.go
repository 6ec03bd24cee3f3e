package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const extractPage = "testdata/extract/article.html"

func runExtract(args []string, env func(string) (string, bool)) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = extractCmd(args, &out, &errb, env)
	return code, out.String(), errb.String()
}

// TestExtractGolden prints what the pipeline extracts from a saved page,
// as if fetched from --url: title, the rel=canonical resolved against it,
// JSON-LD publication time in UTC, the <html lang> primary subtag, and
// the article text without navigation, sidebar or footer. Run with
// -update to accept a change.
func TestExtractGolden(t *testing.T) {
	code, out, errOut := runExtract([]string{"--url", "https://zeitung.example/wien/strassenbahn?utm_source=x", extractPage}, noEnv)
	if code != exitOK {
		t.Fatalf("extract %s = %d, stderr %q; want 0", extractPage, code, errOut)
	}
	checkGolden(t, filepath.Join("testdata", "extract", "article.golden"), out)
	for _, chrome := range []string{"Abo", "Tapirgehege", "Impressum"} {
		if strings.Contains(out, chrome) {
			t.Errorf("extract output contains page chrome %q:\n%s", chrome, out)
		}
	}
}

// TestExtractURL fetches the page from a local server. Its rel=canonical
// is relative, so the identity stays the page URL (crawler.pageCanonical
// accepts absolute ones only).
func TestExtractURL(t *testing.T) {
	page, err := os.ReadFile(extractPage)
	if err != nil {
		t.Fatal(err)
	}
	site := onePageSite(t, "/wien/strassenbahn", page)
	cfg := writeFile(t, fmt.Sprintf(`sources:
  - name: zeitung
    feed: %s/rss.xml
watches:
  - name: tram
    keywords: [Straßenbahn]
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`, site.URL))
	for _, args := range [][]string{
		{"--config", cfg, site.URL + "/wien/strassenbahn"},
		{"--config", filepath.Join(t.TempDir(), "absent-default.yaml"), site.URL + "/wien/strassenbahn"},
	} {
		if args[1] != cfg {
			// Without a usable config file named explicitly, the command fails.
			code, _, errOut := runExtract(args, noEnv)
			if code != exitFailure {
				t.Errorf("extract %q = %d, stderr %q; want %d for a missing config", args, code, errOut, exitFailure)
			}
			continue
		}
		code, out, errOut := runExtract(args, noEnv)
		if code != exitOK {
			t.Fatalf("extract %q = %d, stderr %q; want 0", args, code, errOut)
		}
		for _, want := range []string{
			"title:     Neue Straßenbahnlinie für den Norden\n",
			"url:       " + site.URL + "/wien/strassenbahn\n",
			"published: 2026-11-24T17:30:00Z\n",
			"mit deutlicher Mehrheit angenommen.\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("extract %q stdout lacks %q:\n%s", args, want, out)
			}
		}
	}
	code, _, errOut := runExtract([]string{"--config", cfg, site.URL + "/missing"}, noEnv)
	if code != exitFailure || !strings.Contains(errOut, "404") {
		t.Errorf("extract on a missing page = %d, stderr %q; want 1 naming the 404", code, errOut)
	}
}

func TestExtractErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.html")
	if err := os.WriteFile(empty, []byte("<html><body><nav>Home</nav></body></html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no target", nil, exitUsage, "want exactly one URL or FILE"},
		{"two targets", []string{"a.html", "b.html"}, exitUsage, "want exactly one URL or FILE"},
		{"bad flag", []string{"--nope", "a.html"}, exitUsage, "flag provided but not defined"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.html")}, exitFailure, "no such file"},
		{"bad --url", []string{"--url", "ftp://x/y", extractPage}, exitFailure, "not an absolute http(s) URL"},
		{"no article", []string{empty}, exitFailure, "no article content found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runExtract(tt.args, noEnv)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("extract %q = %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}
