// Package store is newshound's memory: one bbolt file that holds what was
// seen, what was alerted, the durable outbox of deliveries still to make and
// the per-source crawl state.
//
// # Rules
//
//   - A crawl pass is recorded in ONE write transaction (Record): the seen
//     keys, the new alerts, their outbox entries and the source's state
//     commit together or not at all. A kill -9 therefore never leaves an
//     article marked seen without its alerts queued, nor the reverse.
//   - Alerts are deduplicated by ID (news.AlertID), across sources, passes
//     and restarts: an ID already in the alerts bucket is never queued again.
//   - Every commit is fsynced (NoSync is never set); callers batch work into
//     few transactions instead.
//   - Values are JSON (debuggable with `bbolt get`), times in UTC. The JSON
//     field names are the on-disk format: they are fixed by golden files in
//     testdata/ and must not change without a migration.
//   - Byte slices handed out by bbolt live only as long as their transaction;
//     everything leaving a transaction is decoded (and so copied) first.
//   - Open fails fast: a file locked by another process gives ErrLocked after
//     Options.Timeout; a file that is empty, truncated, not a bbolt file or
//     that bbolt panics on gives ErrCorrupt. A damaged file is never
//     re-created, because an empty memory would re-alert every article. New
//     files are built under a temporary name and linked into place, so an
//     empty file at the path can only mean damage.
//
// # Schema (version 4, meta/version = 4)
//
//	meta/
//	    version                       → JSON int, the schema version
//	seen/
//	    <source> 0x00 <key>           → JSON time, first seen
//	                                    (keys over 1000 bytes are stored as
//	                                    "sha256:" + hex of the key)
//	sources/
//	    <source>                      → JSON SourceState
//	alerts/
//	    <alert id>                    → JSON alert (kept after delivery: it
//	                                    is the dedup record)
//	outbox/
//	    <alert id>/<notifier>         → JSON entry: attempts, created,
//	                                    next attempt, last error, digest
//	                                    flag and first due time (v4; the
//	                                    alert itself is read from alerts/)
//	due/
//	    <notifier> 0x00 <u64 BE unix nanos of next attempt><entry id>
//	                                  → empty
//	                                    index of outbox/, one range per
//	                                    notifier ordered by next attempt
//	                                    (v4; v3 had no notifier prefix),
//	                                    so DueFor and NextDueFor read only
//	                                    what one notifier has due
//	delivered/
//	    <entry id>                    → JSON time of acknowledgement
//	dead/
//	    <entry id>                    → JSON entry with its alert, the
//	                                    reason and the time it was given up
//	disabled/                         (since v4)
//	    <notifier>                    → JSON record: reason, settings
//	                                    fingerprint, time, announced flag
//	announce/                         (since v4)
//	    <entry id>                    → empty: a dead letter whose notice
//	                                    is not queued yet (never a notice's
//	                                    own dead letter)
//	texts/                            (since v2)
//	    <article id>                  → DEFLATE-compressed JSON article:
//	                                    id, url, source, title, text,
//	                                    published, found (ids over 1000
//	                                    bytes are keyed "sha256:" + hex)
//	texts_by_found/                   (since v2)
//	    <u64 BE unix nanos of found><article id> → empty
//	                                    index of texts/ by found time, so
//	                                    Articles and PruneTexts are range
//	                                    scans
//	fetch/                            (since v3)
//	    <source>                      → JSON FetchState: listing URL,
//	                                    ETag, Last-Modified, not-before
//	                                    time of a backing-off source,
//	                                    discovered feed URL
//
// outbox/ and due/ are always changed together, in one transaction; so
// are texts/ and texts_by_found/, and dead/ and announce/.
//
// # Outbox
//
// An entry is one (alert, notifier) pair and is in exactly one of
// outbox/ (queued), delivered/ or dead/. Record and Queue create entries,
// one per distinct notifier of an alert (the first route naming it wins),
// due at once or at the route's time, with Digest from the route and
// FirstDue = the first due time. Ack, Retry (counts an attempt), Defer
// (does not: quiet hours, a disabled notifier) and Dead move them; Dead
// also lists the entry in announce/ unless the alert is a notice, so a
// notice that cannot be delivered raises no other. Announce reads
// announce/ and the unannounced disabled/ records, queues the notices a
// caller builds from them and marks them announced, all in one write
// transaction: a crash neither loses a notice nor queues it twice.
// RequeueDead and Enable make entries due again with FirstDue reset, so
// they are not killed by max_queue_age at once.
//
// # Article texts
//
// Record keeps the extracted text of every article of a pass (Pass.Seen)
// in the same transaction as its seen keys, so `newshound replay` can run
// a changed rule over what was crawled. The first record of an article ID
// wins: an article crawled again or by a second source keeps its first
// source and found time. Texts are compressed before the write
// transaction begins, and the daemon removes old ones with PruneTexts in
// small transactions. Articles reads in batches of a few dozen per read
// transaction and calls back between them, so a slow reader never keeps a
// read transaction open (which would stall bbolt when the file must grow).
// Alerts keep their own copy of title and snippet and do not depend on
// texts/.
//
// # Migrations
//
// The schema version lives in meta/version. Open applies, in order and in
// one transaction, every migration whose target version is above the
// file's; a file of a newer version than this binary knows is refused. A
// fresh file is version 0, and the v0→v1 migration creates the buckets;
// v1→v2 adds texts/ and texts_by_found/ (empty: articles crawled before
// the upgrade have no text to replay); v2→v3 adds fetch/ (empty: the
// first run after the upgrade fetches every listing unconditionally);
// v3→v4 rebuilds due/ with the notifier prefix from outbox/ and adds
// disabled/ and announce/ (empty: dead letters from before the upgrade
// were logged when they died and are not announced). v3 entries lack
// "digest" and "first_due" and read back as immediate entries with
// FirstDue zero, which the dispatcher takes as Created.
// Fetch state is written by PutFetchState after Record, in its own
// transaction: validators stored before their pass would let a 304 hide
// articles never marked seen, while validators lost in a crash cost one
// full fetch. Alert records of v1 lack "fired"
// and "highlights" and read back with both empty, so they need no
// rewrite.
// Add a migration by appending to the migrations list, bumping
// schemaVersion and adding a fixture test in migrate_test.go.
package store
