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
// Reload swaps the compiled config (matcher, notifiers, schedules) as one
// unit under a lock; a pass already running finishes with the config it
// started with. The store path cannot change without a restart.
package app
