//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
)

// copyOwner gives the file at path the owner and group of orig. Run by
// the owner it changes nothing; run by root it hands a rewritten database
// back to the daemon's user.
func copyOwner(orig fs.FileInfo, path string) error {
	st, ok := orig.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if now, ok := info.Sys().(*syscall.Stat_t); ok && now.Uid == st.Uid && now.Gid == st.Gid {
		return nil
	}
	return os.Lchown(path, int(st.Uid), int(st.Gid))
}
