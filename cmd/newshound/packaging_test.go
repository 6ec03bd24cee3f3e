package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unitPath is the packaged systemd unit, from this package's folder.
const unitPath = "../../packaging/newshound.service"

// unitFile is a systemd unit parsed as systemd reads it, simply: sections
// of key=value lines, a key possibly repeated; # and ; start comments.
// commented holds the key=value lines that are commented out, by key.
type unitFile struct {
	sections  map[string]map[string][]string
	commented map[string][]string
}

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{sections: map[string]map[string][]string{}, commented: map[string][]string{}}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			if k, v, ok := strings.Cut(strings.TrimLeft(line, "#; "), "="); ok && !strings.ContainsAny(k, " \t") {
				u.commented[k] = append(u.commented[k], v)
			}
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u.sections[section] = map[string][]string{}
		case strings.HasSuffix(line, `\`):
			t.Fatalf("%s:%d: continuation lines are not used in this unit; keep it that way so this parser stays right", path, n)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: %q is not key=value inside a section", path, n, line)
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			u.sections[section][k] = append(u.sections[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSystemdUnit keeps packaging/newshound.service honest: the hardening
// is there, ExecStart names a command and flags the binary has, the stop
// timeout covers the daemon's own shutdown limit, and systemd itself
// accepts the file when systemd-analyze is installed.
func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, unitPath)
	svc := u.sections["Service"]
	if svc == nil || u.sections["Unit"] == nil || u.sections["Install"] == nil {
		t.Fatalf("%s: want [Unit], [Service] and [Install] sections, got %v", unitPath, u.sections)
	}
	for key, want := range map[string]string{
		"User":                    "newshound",
		"StateDirectory":          "newshound",
		"ConfigurationDirectory":  "newshound",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"Restart":                 "on-failure",
		"UMask":                   "0077",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s = %q, want exactly %q", key, got, want)
		}
	}
	if !slices.Contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("[Service] SystemCallFilter = %q, want @system-service among them", svc["SystemCallFilter"])
	}
	if got := svc["MemoryDenyWriteExecute"]; slices.Contains(got, "yes") {
		t.Errorf("[Service] MemoryDenyWriteExecute=yes breaks the extractor's WebAssembly engine")
	}

	// The stop timeout must leave the daemon its own shutdown limit.
	stop, err := strconv.Atoi(strings.Join(svc["TimeoutStopSec"], ""))
	if err != nil || time.Duration(stop)*time.Second < shutdownLimit {
		t.Errorf("[Service] TimeoutStopSec = %q, want whole seconds of at least %v (shutdownLimit)", svc["TimeoutStopSec"], shutdownLimit)
	}

	// Credentials: one per secret, each under /etc/newshound/credentials,
	// named as the config's *_file keys read them.
	creds := append(slices.Clone(svc["LoadCredential"]), u.commented["LoadCredential"]...)
	if len(creds) == 0 {
		t.Errorf("no LoadCredential= lines, active or commented")
	}
	credLine := regexp.MustCompile(`^[a-z][a-z-]*:/etc/newshound/credentials/[a-z][a-z-]*$`)
	for _, c := range creds {
		if !credLine.MatchString(c) {
			t.Errorf("LoadCredential=%s: want NAME:/etc/newshound/credentials/NAME", c)
		}
	}

	// ExecStart: the run command with flags the binary has.
	exec := strings.Fields(strings.Join(svc["ExecStart"], ""))
	if len(svc["ExecStart"]) != 1 || len(exec) < 2 || exec[0] != "/usr/local/bin/newshound" || exec[1] != "run" {
		t.Fatalf("[Service] ExecStart = %q, want /usr/local/bin/newshound run ...", svc["ExecStart"])
	}
	_, _, runHelp := runCmd([]string{"run", "-h"}, noEnv)
	for i := 2; i < len(exec); i++ {
		name, _, _ := strings.Cut(strings.TrimLeft(exec[i], "-"), "=")
		if !strings.HasPrefix(exec[i], "-") || !strings.Contains(runHelp, "\n  -"+name+" ") {
			t.Errorf("ExecStart argument %q is not a flag of `newshound run`:\n%s", exec[i], runHelp)
			if i+1 < len(exec) && !strings.HasPrefix(exec[i+1], "-") {
				i++ // most likely its value
			}
			continue
		}
		if !strings.Contains(exec[i], "=") {
			i++ // the flag's value
		}
	}
	if !slices.Contains(exec, "/etc/newshound/newshound.yaml") {
		t.Errorf("ExecStart = %q: want --config /etc/newshound/newshound.yaml (ConfigurationDirectory)", exec)
	}

	verifyWithSystemd(t, unitPath)
}

// verifyWithSystemd runs `systemd-analyze verify` on a copy of the unit
// whose ExecStart points at an executable that exists here (the test
// binary): systemd checks that it is executable, and this machine has no
// /usr/local/bin/newshound.
func verifyWithSystemd(t *testing.T, path string) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: skipping `systemd-analyze verify` (the parsed checks above ran)")
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "newshound.service")
	text := strings.Replace(string(data), "ExecStart=/usr/local/bin/newshound ", "ExecStart="+self+" ", 1)
	if err := os.WriteFile(copyPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", copyPath).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
	// A misspelt key is only a warning to systemd ("Unknown key ...,
	// ignoring"), and a hardening line it ignores is worse than none.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, copyPath+":") {
			t.Errorf("systemd-analyze verify %s warns: %s", path, strings.ReplaceAll(line, copyPath, path))
		}
	}
}
