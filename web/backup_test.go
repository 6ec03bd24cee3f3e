package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// post sends POST target to srv with an optional Authorization header
// and RequestHeader, as newshound's client does.
func post(t *testing.T, srv *httptest.Server, target, authz string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(RequestHeader, "1")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// TestBackup: POST /api/v1/backup streams the store, behind auth, as a
// file that opens as a newshound database holding the same alerts.
func TestBackup(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(New(Options{
		Backend: f.backend, Auth: Auth{Bearer: "backup-token-0123456789"}, Backup: f.store.Backup,
		Now: f.clock.Now, Logger: discardLogger(),
	}).Handler())
	t.Cleanup(srv.Close)

	if resp := post(t, srv, "/api/v1/backup", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /api/v1/backup without credentials = %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer backup-token-0123456789")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), http.MethodPost) {
		t.Errorf("GET /api/v1/backup = %d, Allow %q; want 405 allowing POST", resp.StatusCode, resp.Header.Get("Allow"))
	}

	resp = post(t, srv, "/api/v1/backup", "Bearer backup-token-0123456789")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("POST /api/v1/backup = %d %q, want 200 application/octet-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read backup: %v", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	copied, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copied.Close()
	page, err := copied.Alerts(store.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range page.Alerts {
		got = append(got, rec.Alert.ID)
	}
	if want := f.alertIDs(func(news.Alert) bool { return true }); !slices.Equal(got, want) {
		t.Errorf("alerts in the backup = %q, want %q", got, want)
	}
}

// TestBackupUnrouted: without Options.Backup there is no endpoint.
func TestBackupUnrouted(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.server(t, Auth{}).Handler())
	t.Cleanup(srv.Close)
	if resp := post(t, srv, "/api/v1/backup", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /api/v1/backup without Options.Backup = %d, want 404", resp.StatusCode)
	}
}

// TestBackupFailure: a backup that fails before its first byte is a 500
// that does not leak the cause; one that fails midway breaks the
// transfer, so the client cannot take a short copy for a whole one.
func TestBackupFailure(t *testing.T) {
	f := newFixture(t)
	serve := func(backup func(io.Writer) (int64, error)) *httptest.Server {
		srv := httptest.NewServer(New(Options{Backend: f.backend, Backup: backup, Logger: discardLogger()}).Handler())
		t.Cleanup(srv.Close)
		return srv
	}
	early := serve(func(io.Writer) (int64, error) { return 0, errSecretPath })
	resp := post(t, early, "/api/v1/backup", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(b), "secret-path") ||
		!strings.Contains(string(b), "internal error") {
		t.Errorf("POST /api/v1/backup failing at once = %d %q, want 500 internal error without the cause", resp.StatusCode, b)
	}

	midway := serve(func(w io.Writer) (int64, error) {
		n, err := w.Write(make([]byte, 64<<10))
		if err != nil {
			return int64(n), err
		}
		return int64(n), errors.New("disk read failed")
	})
	resp = post(t, midway, "/api/v1/backup", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/backup failing midway = %d, want 200 then a broken body", resp.StatusCode)
	}
	if b, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("reading a backup cut short = %d bytes, nil error; want an error", len(b))
	}
}
