// Command crashloop runs the long form of newshound's crash-loop proof
// (package internal/crashloop): the real binary, a local news site that
// keeps publishing, a webhook receiver and an SMTP server that record
// every alert id, and -kills SIGKILLs at random moments (every third one
// right after a text append), then one last run until every expected
// alert is in and each source found nothing new, and a SIGTERM; then the
// replay texts the store kept are checked against the site. It prints the
// figures recorded in BENCHMARKS.md (deliveries, repeats, and the replay
// texts expected, found, missing, duplicated and unknown) and exits 1 when
// any rule is broken.
//
// Flags: -kills (300), -seed (1), -keep (keep the working folder, with the
// config, the database and daemon.log, and print its path), -binary (a
// newshound binary; default: build ./cmd/newshound with the go command on
// PATH into the working folder).
//
// Usage, from the repository root:
//
//	go run ./bench/crashloop -kills 300
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/newshound/newshound/internal/crashloop"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crashloop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kills := fs.Int("kills", 300, "SIGKILLs before the final run")
	seed := fs.Uint64("seed", 1, "seed of the kill times, publishing and receiver delays")
	keep := fs.Bool("keep", false, "keep the working folder")
	binary := fs.String("binary", "", "newshound binary (default: build ./cmd/newshound)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "crashloop-")
	if err != nil {
		fmt.Fprintln(stderr, "crashloop:", err)
		return 1
	}
	if *keep {
		fmt.Fprintln(stdout, "working folder", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := *binary
	if bin == "" {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			fmt.Fprintln(stderr, "crashloop: no go command to build newshound; pass -binary")
			return 1
		}
		if bin, err = crashloop.Build(ctx, goCmd, dir); err != nil {
			fmt.Fprintln(stderr, "crashloop:", err)
			return 1
		}
	}
	start := time.Now()
	rep, err := crashloop.Run(ctx, crashloop.Options{
		Binary: bin, Kills: *kills, Dir: dir, Seed: *seed,
		Logf: func(format string, a ...any) {
			fmt.Fprintf(stderr, "%6.1fs ", time.Since(start).Seconds())
			fmt.Fprintf(stderr, format+"\n", a...)
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "crashloop:", err)
		return 1
	}
	fmt.Fprintf(stdout, "seed                  %d\n%s\n", *seed, rep)
	if err := rep.Err(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, "result                every rule holds")
	return 0
}
