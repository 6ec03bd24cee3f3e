package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
)

// Marks of the sample alert, so no recipient takes it for news.
const (
	testTitlePrefix = "[newshound test]"
	testWatch       = "newshound-test"
	testURLBase     = "https://example.invalid/newshound-test"
	// testSendTimeout bounds the whole test send: a receiver that stalls
	// is reported, not waited for.
	testSendTimeout = time.Minute
)

// testNotifyCmd runs `newshound test-notify NAME`: one sample alert
// through one notifier, built by app.NewChannel exactly as the daemon
// builds it (same template, same transport), printing what the receiver
// answered. It neither opens the database nor queues anything, so it runs
// beside the daemon.
func testNotifyCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	flags := flag.NewFlagSet("newshound test-notify", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		fmt.Fprintln(stderr, "newshound test-notify: give exactly one notifier name")
		return exitUsage
	}
	name := flags.Arg(0)
	log, err := g.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "newshound test-notify: %v\n", err)
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	var nc config.Notifier
	for _, n := range cfg.Notifiers {
		if n.Name == name {
			nc = n
		}
	}
	if nc.Name == "" {
		fmt.Fprintf(stderr, "newshound test-notify: %s\n", unknownNotifierMessage(cfg, name))
		return exitFailure
	}
	ch, err := app.NewChannel(nc, app.Options{Logger: log, Stdout: stdout, Version: version, LookupEnv: lookupEnv})
	if err != nil {
		fmt.Fprintf(stderr, "newshound test-notify: %v\n", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, testSendTimeout)
	defer cancel()
	return sendTest(ctx, name, nc.Kind(), ch.Notifier, sampleAlert(time.Now()), stdout, stderr)
}

// sendTest sends alert and reports: the receiver's answer verbatim when
// the channel is a notify.Tester, else only that the send succeeded.
func sendTest(ctx context.Context, name, kind string, n notify.Notifier, alert news.Alert, stdout, stderr io.Writer) int {
	if t, ok := n.(notify.Tester); ok {
		answer, _, err := t.Test(ctx, alert)
		if err != nil {
			fmt.Fprintf(stderr, "newshound test-notify: %s (%s): %v\n", name, kind, err)
			if answer != "" {
				fmt.Fprintf(stderr, "the receiver answered:\n%s\n", strings.TrimRight(answer, "\n"))
			}
			return exitFailure
		}
		fmt.Fprintf(stdout, "sent a test alert through %s (%s); the receiver answered:\n%s\n", name, kind, strings.TrimRight(answer, "\n"))
		return exitOK
	}
	if _, err := n.Notify(ctx, alert); err != nil {
		fmt.Fprintf(stderr, "newshound test-notify: %s (%s): %v\n", name, kind, err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "sent a test alert through %s (%s); the channel does not report the receiver's answer\n", name, kind)
	return exitOK
}

// sampleAlert is the clearly marked alert test-notify sends: a title
// starting "[newshound test]", the watch "newshound-test", a URL under
// https://example.invalid/ (a name that can never resolve) and a snippet
// with one highlight. Its ID is new at every run, so a receiver that
// drops repeated ids still shows the second test.
func sampleAlert(now time.Time) news.Alert {
	const snippet = "This is a test alert sent by newshound test-notify to check this channel; no action is needed."
	const hit = "test alert"
	at := strings.Index(snippet, hit)
	stamp := now.UTC().Format(time.RFC3339Nano)
	return news.Alert{
		ID:         news.AlertID(testWatch, stamp),
		Watch:      testWatch,
		Source:     testWatch,
		URL:        testURLBase + "?sent=" + now.UTC().Format("20060102T150405Z"),
		Title:      testTitlePrefix + " newshound can reach this channel",
		Published:  now.UTC(),
		Found:      now.UTC(),
		Matches:    []news.Match{{Term: hit, Seen: []string{hit}, Count: 1}},
		Fired:      hit,
		Snippet:    snippet,
		Highlights: []news.Span{{Start: at, End: at + len(hit)}},
	}
}
