//go:build !unix

package main

import "io/fs"

// copyOwner does nothing where files have no Unix owner.
func copyOwner(fs.FileInfo, string) error { return nil }
