// Command newshound is the news-monitoring daemon and its tools. It only
// parses flags and picks a sub-command; the work lives in package app, so
// the end-to-end tests run the same code in-process.
package main

import (
	"os"
	// Quiet hours and digest schedules name IANA zones; the distroless
	// image has no /usr/share/zoneinfo, so the binary carries the database.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}
