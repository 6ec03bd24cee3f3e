package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/golden"
)

const (
	explainConfig  = "testdata/explain/newshound.yaml"
	explainArticle = "testdata/explain/article.html"
)

// TestExplainGolden runs explain on the article file for each watch: one
// that fires through its query, one whose NEAR is too far, one whose
// entity is cancelled by its exclude phrase. Run with -update to accept
// a change.
func TestExplainGolden(t *testing.T) {
	for _, watch := range []string{"transfers", "near", "isis"} {
		t.Run(watch, func(t *testing.T) {
			code, out, errOut := runCmd([]string{"explain", "--config", explainConfig, "--watch", watch, explainArticle}, noEnv)
			if code != exitOK {
				t.Fatalf("explain --watch %s = %d, stderr %q; want 0", watch, code, errOut)
			}
			checkGolden(t, filepath.Join("testdata", "explain", watch+".golden"), out)
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Check(t, path, []byte(got))
}

// TestExplainURL fetches the article from a local site configured as a
// source: the article is attributed to that source and the output is the
// same explanation as for the file.
func TestExplainURL(t *testing.T) {
	page, err := os.ReadFile(explainArticle)
	if err != nil {
		t.Fatal(err)
	}
	site := onePageSite(t, "/2026/al-hol.html", page)
	path := writeFile(t, fmt.Sprintf(`sources:
  - name: wire
    feed: https://news.example/rss.xml
  - name: desk
    feed: %s/rss.xml
watches:
  - name: transfers
    query: 'CENTCOM AND transfer*'
    sources: [wire]
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`, site.URL))
	code, out, errOut := runCmd([]string{"explain", "--config", path, "--watch", "transfers", site.URL + "/2026/al-hol.html"}, noEnv)
	if code != exitOK {
		t.Fatalf("explain URL = %d, stderr %q; want 0", code, errOut)
	}
	for _, want := range []string{
		"title:     Detainees moved from al-Hol camp\n",
		"url:       " + site.URL + "/2026/al-hol.html\n",
		"source:    desk (watch transfers does not apply to it: sources wire)\n",
		"published: 2026-11-25T09:00:00Z\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain URL stdout lacks %q:\n%s", want, out)
		}
	}
	// A URL on a host no source has: fetched all the same (the operator
	// named it), attributed to no source.
	other := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	code, out, errOut = runCmd([]string{"explain", "--config", path, "--watch", "transfers", other + "/2026/al-hol.html"}, noEnv)
	if code != exitOK || !strings.Contains(out, "source:    (none: no source matches)\n") || !strings.Contains(out, "verdict  fires") {
		t.Errorf("explain URL on another host = %d, stdout %q, stderr %q; want 0, no source, fires", code, out, errOut)
	}
	code, _, errOut = runCmd([]string{"explain", "--config", path, "--watch", "transfers", site.URL + "/missing.html"}, noEnv)
	if code != exitFailure || !strings.Contains(errOut, "404") {
		t.Errorf("explain on a missing page = %d, stderr %q; want 1 naming the 404", code, errOut)
	}
}

func TestExplainErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no watch", []string{"explain", "--config", explainConfig, explainArticle}, exitUsage, "--watch is required"},
		{"no target", []string{"explain", "--config", explainConfig, "--watch", "near"}, exitUsage, "want exactly one URL or FILE"},
		{"two targets", []string{"explain", "--config", explainConfig, "--watch", "near", "a", "b"}, exitUsage, "want exactly one URL or FILE"},
		{"unknown watch", []string{"explain", "--config", explainConfig, "--watch", "nope", explainArticle}, exitFailure,
			`no watch named "nope"`},
		{"watches listed", []string{"explain", "--config", explainConfig, "--watch", "nope", explainArticle}, exitFailure,
			"the watches are: transfers, near, isis"},
		{"missing file", []string{"explain", "--config", explainConfig, "--watch", "near", "testdata/explain/nope.html"}, exitFailure,
			"no such file"},
		{"bad config", []string{"explain", "--config", "/nonexistent.yaml", "--watch", "near", explainArticle}, exitFailure,
			"/nonexistent.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(tt.args, noEnv)
			if code != tt.wantCode || out != "" || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, no output, stderr containing %q",
					tt.args, code, out, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}
