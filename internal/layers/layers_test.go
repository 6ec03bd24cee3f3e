// Package layers holds one test: that every import inside the module
// points down the layers ARCHITECTURE.md draws. It has no code of its own.
package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/newshound/newshound/"

// tier places each package of the module in a layer. A package may import
// packages of a lower tier, and packages of its own tier only within its
// own family (the first element of its path: notify/slack may import
// notify, web may not). A new package must be added here, so its place
// is a decision, not an accident.
var tier = map[string]int{
	// Pure helpers that import nothing of the module.
	"internal/textsafe": 0,
	"internal/httpx":    0,
	"internal/benchkit": 0, // for the bench commands only

	// The types that cross every stage.
	"news": 1,

	// Leaves: small types and pure helpers every layer may use.
	"matcher/query":         2,
	"notify/quiet":          2,
	"notify/whsec":          2,
	"outbox":                2,
	"crawlstate":            2,
	"internal/golden":       2,
	"internal/testclock":    2,
	"notify/highlight":      2,
	"internal/testsite":     2, // a fake news site, for tests and bench commands
	"internal/testreceiver": 2, // fake webhook, Slack and SMTP receivers, likewise
	"internal/testlog":      2,

	// What the daemon remembers.
	"store": 3,

	// The stages and channels, side by side: none imports another's
	// family. config is here so that only app and cmd may import it.
	"config":              4,
	"crawler":             4,
	"crawler/extracteval": 4,
	"matcher":             4,
	"metrics":             4,
	"web":                 4,
	"notify":              4,
	"notify/console":      4,
	"notify/email":        4,
	"notify/faults":       4,
	"notify/notifytest":   4,
	"notify/outboxtest":   4,
	"notify/slack":        4,
	"notify/tmpl":         4,
	"notify/webhook":      4,

	// The composition root.
	"app": 5,

	// The command, and the harness that drives its binary.
	"cmd/newshound":      6,
	"internal/crashloop": 6,

	// Measurements and this check.
	"bench/crashloop": 7,
	"bench/extract":   7,
	"bench/hostile":   7,
	"bench/pipeline":  7,
	"bench/scale":     7,
	"bench/storeyear": 7,
	"internal/layers": 7,
}

func family(pkg string) string {
	f, _, _ := strings.Cut(pkg, "/")
	return f
}

// allowed reports whether pkg's code may import dep. Its tests may also
// import the packages beside it (a matcher test may extract a page with
// the crawler), never one above it.
func allowed(pkg, dep string, test bool) bool {
	tp, td := tier[pkg], tier[dep]
	return td < tp || (td == tp && (test || family(dep) == family(pkg)))
}

// TestImportsPointDown lists every package of the module with its imports
// (its code's, then its tests') and fails on each import against the
// layers.
func TestImportsPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}{{range .Imports}} {{.}}{{end}} |{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`,
		module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(fields[0], module)
		seen++
		if _, ok := tier[pkg]; !ok {
			t.Errorf("package %s has no layer: add it to the tier table", pkg)
			continue
		}
		test := false
		for _, imp := range fields[1:] {
			if imp == "|" {
				test = true // the rest are the tests' imports
				continue
			}
			dep, ok := strings.CutPrefix(imp, module)
			if !ok || dep == pkg {
				continue
			}
			if _, known := tier[dep]; !known {
				continue // reported as a package of its own
			}
			if !allowed(pkg, dep, test) {
				what := "code"
				if test {
					what = "tests"
				}
				t.Errorf("%s (%s) imports %s: against the layers (tier %d imports tier %d)", pkg, what, dep, tier[pkg], tier[dep])
			}
		}
	}
	if seen < len(tier)/2 {
		t.Fatalf("go list named %d packages, want about %d", seen, len(tier))
	}
}

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		pkg, dep string
		test     bool
		want     bool
	}{
		{"app", "config", false, true},
		{"cmd/newshound", "app", false, true},
		{"matcher", "config", false, false},
		{"matcher", "crawler", true, true},
		{"config", "notify/tmpl", false, false},
		{"notify/slack", "notify", false, true},
		{"web", "notify/slack", false, false},
		{"web", "notify/highlight", false, true},
		{"store", "crawler", false, false},
		{"store", "app", true, false},
		{"news", "internal/textsafe", false, true},
		{"crawler", "news", false, true},
		{"notify", "store", false, true},
	} {
		if got := allowed(tc.pkg, tc.dep, tc.test); got != tc.want {
			t.Errorf("allowed(%q, %q, test %v) = %v, want %v", tc.pkg, tc.dep, tc.test, got, tc.want)
		}
	}
}
