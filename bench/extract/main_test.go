package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCorpus builds a two-page corpus in the benchmark's layout.
func writeCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	story := strings.Repeat("The council approved the tram line extension after a long debate in the chamber. ", 5)
	pages := map[string]string{"aaa": story, "bbb": "Dock workers walked out on Monday. " + story}
	truth := map[string]map[string]string{}
	ref := map[string]map[string]string{}
	if err := os.MkdirAll(filepath.Join(dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "reference-outputs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, text := range pages {
		truth[id] = map[string]string{"articleBody": text, "url": "https://courier.example/" + id}
		ref[id] = map[string]string{"articleBody": text}
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte("<html><body><nav>Home World Sport</nav><article><p>" + text + "</p></article></body></html>"))
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, "html", id+".html.gz"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeJSON(t, filepath.Join(dir, "ground-truth.json"), truth)
	writeJSON(t, filepath.Join(dir, "reference-outputs", "perfect.json"), map[string]any{"version": "1", "output": ref})
	return dir
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	dir := writeCorpus(t)
	outFile := filepath.Join(t.TempDir(), "ours.json")
	var out, errb bytes.Buffer
	if code := run([]string{"-corpus", dir, "-runs", "1", "-worst", "1", "-out", outFile}, &out, &errb); code != 0 {
		t.Fatalf("run = %d, stderr %q; want 0", code, errb.String())
	}
	for _, want := range []string{
		"perfect                 1.000  1.000  1.000",
		"all         2 pages  F1 1.0000",
		"found: title 0/2  published 0/2  language 2/2  failed 0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run stdout lacks %q:\n%s", want, out.String())
		}
	}
	var written map[string]map[string]string
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &written); err != nil || len(written) != 2 || !strings.Contains(written["aaa"]["articleBody"], "tram line") {
		t.Errorf("-out wrote %s (error %v), want both pages' text", b, err)
	}
}

func TestRunErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-corpus", t.TempDir()}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "ground-truth.json") {
		t.Errorf("run on an empty directory = %d, stderr %q; want 1 naming ground-truth.json", code, errb.String())
	}
	if code := run([]string{"-nope"}, &out, &errb); code != 2 {
		t.Errorf("run -nope = %d, want 2", code)
	}
	if code := run([]string{"-half", "test"}, &out, &errb); code != 2 {
		t.Errorf("run -half test = %d, want 2", code)
	}
}

func TestURLDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = none
	}{
		{"https://www.cnn.com/2019/11/18/politics/x/index.html", "2019-11-18"},
		{"https://x.example/news/2019-11-18-title", "2019-11-18"},
		{"https://x.example/20191118/title", "2019-11-18"},
		{"https://x.example/2019/11/title", ""},
		{"https://x.example/article-565107452.html", ""},
	}
	for _, tt := range tests {
		got, ok := urlDate(tt.in)
		if (tt.want == "") != !ok || (ok && got.Format("2006-01-02") != tt.want) {
			t.Errorf("urlDate(%q) = %v, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
