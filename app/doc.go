// Package app wires newshound's stages into a running daemon: it owns the
// lifecycle (New, RunOnce, Run, Reload, Close), the robfig/cron scheduler
// with one entry per source, the config file watcher, and the outbox
// dispatcher loop.
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
// When Run's context is cancelled (SIGTERM) it stops the schedule, the
// passes under way see the cancelled context and stop fetching, and the
// dispatcher lets sends in flight go on for Options.Grace (default 10 s)
// before cutting them short; what was not sent stays queued and due. The
// caller then closes the store.
package app
