// Package app wires newshound's stages into a running daemon: it owns the
// lifecycle (New, RunOnce, Run, Reload, Close), the robfig/cron scheduler
// with one entry per source, the config file watcher, the outbox
// dispatcher loop, the metrics, the HTTP server and the daily prune.
//
// One pass over one source goes crawler → matcher → store in that order:
// the crawler returns only articles not yet seen for the source, the
// matcher finds the watches that fire on each, and the store marks the
// articles seen and queues one outbox entry per (alert, notifier) in a
// single bbolt transaction. The dispatcher is the only way an alert leaves
// the process, so a crash between stages loses nothing: an article is
// either not marked seen (and is crawled again) or its alerts are queued.
//
// Each alert's outbox entries carry their schedule: an immediate route is
// due at once, a digest route (the notifier's digest: or the watch's
// {notifier, digest} override) at the next time of its cron spec, marked
// Digest. The specs are parsed once per compiled config. Source-health
// notices always go at once. NewChannel builds one notifier's
// notify.Channel (template, quiet hours, rate limit, queue age, settings
// fingerprint); the daemon and `newshound test-notify` share it.
//
// Reload swaps the compiled config (matcher, notifiers, routes, schedules)
// as one unit under a lock; a pass already running finishes with the
// config it started with. The store path cannot change without a restart.
//
// # Operations
//
// Each App owns one *metrics.Metrics (App.Metrics). A pass records its
// run (wall time, error kind, items, new articles, health) and, per
// watch, the alerts Record newly stored, so a duplicate is never counted;
// the dispatcher reports every delivery outcome through
// DispatcherOptions.OnOutcome; Reload and ReloadFile count reloads by
// result, and a reload that drops a source, watch or notifier removes
// its series. Article pages that keep failing are given up by the
// crawler after 5 passes spanning an hour, a day for outages
// (crawler.Result.GivenUp), marked seen by the pass, and counted in
// newshound_source_articles_given_up_total. The
// error kind of a failed run comes from the crawler's error chain: an
// HTTP status (its class), robots.txt, the address guard (network), the
// crawler's *crawler.ParseError for a feed, sitemap or listing page it
// could not read (parse), else the
// transport (timeout, network, other). At each scrape the outbox depth,
// the oldest queued entry, the dead letters per notifier and the file
// size are read from the store.
//
// With listen in the config, Run binds the address before anything else
// (a port in use fails Run at once) and serves package web until its
// context ends: the backend is the store, the config in force and the
// schedule (next runs come from the cron entries); /readyz is ready while
// the store is open and the schedule runs; POST /api/v1/backup streams
// store.Backup for `newshound backup`. listen and listen_auth are read at
// start: a reload that changes them logs a warning and applies at the
// next restart, like the crawl limits.
//
// Once a day (first Options.PruneDelay after Run starts, default a
// minute) the store is pruned by the retention of the config in force
// (store.Prune, small transactions); what went and how long it took is
// logged, and a failure is retried the next day. New warns when the
// database file is readable or writable by other users.
//
// When Run's context is cancelled (SIGTERM) it stops the schedule, the
// passes under way see the cancelled context and stop fetching, and the
// dispatcher lets sends in flight go on for Options.Grace (default 10 s)
// before cutting them short; what was not sent stays queued and due; the
// HTTP server finishes the requests in flight (up to 5 s). The caller
// then closes the store.
package app
