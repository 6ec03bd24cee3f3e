package web

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// backupWriteTimeout bounds one write of a backup to the client. The
// server's WriteTimeout (a minute for the whole response) would cut a
// large file short, and no deadline at all would let a stalled client
// hold the store's read transaction, so each write gets its own.
const backupWriteTimeout = time.Minute

// apiBackup streams a consistent copy of the database (POST
// /api/v1/backup; `newshound backup` calls it while the daemon holds the
// file). The copy is read in one transaction as it is sent, so its length
// is not known in advance and the body is chunked. A failure before the
// first byte is a 500; after it, the connection is aborted, so the
// client sees a broken transfer, never a short file that ends cleanly.
func (s *Server) apiBackup(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="newshound-backup.db"`)
	h.Set("Cache-Control", "no-store")
	bw := &deadlineWriter{w: w, rc: http.NewResponseController(w)}
	started := s.now()
	n, err := s.backup(bw)
	if err != nil {
		if bw.n == 0 {
			h.Del("Content-Disposition")
			s.internalError(w, r, fmt.Errorf("backup: %w", err))
			return
		}
		s.log.Error("backup cut short", "bytes", bw.n, "err", err)
		panic(http.ErrAbortHandler) // net/http closes the connection without the final chunk
	}
	s.log.Info("backup sent", "bytes", n, "took", s.now().Sub(started).Round(time.Millisecond))
}

// deadlineWriter gives every write its own deadline and counts the bytes
// written.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
	n  int64
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	// Not supported by every ResponseWriter (httptest's recorder); the
	// server's own deadline then applies.
	_ = d.rc.SetWriteDeadline(time.Now().Add(backupWriteTimeout))
	n, err := d.w.Write(p)
	d.n += int64(n)
	return n, err
}
