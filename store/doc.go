// Package store is newshound's memory: one bbolt file that holds what was
// seen, what was alerted, the durable outbox of deliveries still to make and
// the per-source crawl state, and next to it a directory of daily segment
// files with the article texts kept for replay.
//
// # Rules
//
//   - A Pass is recorded in ONE write transaction (Record): the seen keys,
//     the new alerts, their outbox entries, the source's state and its
//     fetch state commit together or not at all. A kill -9 therefore never
//     leaves an article marked seen without its alerts queued, nor the
//     reverse, nor validators without their pass. (The daemon records a
//     large run as several Passes of bounded size, each whole.) A Pass that
//     changes nothing but the source's LastRun and LastSuccess costs no
//     write transaction: those times are held in memory, shown by every
//     read of the state, and written with the next write transaction,
//     Backup or Close; a crash loses only them (runtimes.go says why that
//     is harmless).
//   - Alerts are deduplicated by ID (news.AlertID), across sources, passes
//     and restarts: an ID already in the alerts bucket is never queued again.
//   - Every commit is fsynced (NoSync is never set); callers batch work into
//     few transactions instead.
//   - Values are JSON (debuggable with `bbolt get`), times in UTC. The JSON
//     field names are the on-disk format: they are fixed by golden files in
//     testdata/ and must not change without a migration. Two kinds of
//     record are binary because they are counted in millions: the seen
//     sets (fingerprints; see Seen keys) and the index keys (big-endian
//     times); their encodings are pinned by golden files as well.
//   - New files use 16 KiB pages (older files keep theirs until Compact):
//     bbolt puts at least two records on a page and spills larger pages
//     into whole extra pages, so ~2 kB values left 4 KiB pages about half
//     empty.
//   - Byte slices handed out by bbolt live only as long as their transaction;
//     everything leaving a transaction is decoded (and so copied) first.
//   - Open fails fast: a file locked by another process gives ErrLocked after
//     Options.Timeout; a file that is empty, truncated, not a bbolt file or
//     that bbolt panics on gives ErrCorrupt. A damaged file is never
//     re-created, because an empty memory would re-alert every article. New
//     files are built under a temporary name and linked into place, so an
//     empty file at the path can only mean damage.
//
// # Schema (version 6, meta/version = 6)
//
//	meta/
//	    version                       → JSON int, the schema version
//	    texts_before                  → u64 BE unix nanos (since v6): the
//	                                    text segments of the days before
//	                                    it are deleted
//	seen/                             (binary since v5)
//	    <u32 BE week><u16 BE slot>    → sorted 8-byte fingerprints
//	                                    of the keys first seen in that
//	                                    week (weeks since 1970-01-01 UTC);
//	                                    sealed weeks; see Seen keys
//	seen_week/                        (since v5)
//	    <u32 BE week><u16 BE slot>    → the same, for the current week
//	sources/
//	    <source>                      → JSON SourceState
//	alerts/
//	    <alert id>                    → JSON alert (kept after delivery: it
//	                                    is the dedup record, until pruned)
//	alerts_by_found/                  (since v5)
//	    <u64 BE unix nanos of Found><alert id> → empty
//	alerts_by_watch/                  (since v5)
//	    <watch> 0x00 <u64 BE nanos of Found><alert id> → the alert's
//	                                    source, so a query by watch and
//	                                    source need not decode the rest
//	alerts_by_source/                 (since v5)
//	    <source> 0x00 <u64 BE nanos of Found><alert id> → empty
//	                                    the alert history's indexes, newest
//	                                    last; written with alerts/, in the
//	                                    same transaction
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
//	article_ids/                      (since v5)
//	    <u32 BE week of found><first 8 bytes of SHA-256 of the text key>
//	                                  → u64 BE unix nanos of found: the
//	                                    one text record of the article that
//	                                    readers accept ("first record
//	                                    wins"). The text key is the article
//	                                    ID, or "sha256:" + hex of it for IDs
//	                                    over 1000 bytes.
//	fetch/                            (since v3)
//	    <source>                      → JSON FetchState: listing URL,
//	                                    ETag, Last-Modified, not-before
//	                                    time of a backing-off source,
//	                                    discovered feed URL, failing
//	                                    articles by URL (attempts, first
//	                                    failure, last error) and a sitemap
//	                                    index's children (validators,
//	                                    lastmod, items, last fetch); both
//	                                    optional, added without a migration
//
// The texts themselves (v5: articles/ keyed by found time; v2–v4: texts/
// by ID and texts_by_found/) live outside the file since v6:
//
//	<database path>.texts/            directory, 0700
//	    YYYY-MM-DD.seg                one file per UTC day of found, 0600:
//	                                    "newshound texts v1\n", then records
//	                                    { u32 BE length, u32 BE CRC-32C,
//	                                    DEFLATE-compressed JSON article: id,
//	                                    url, source, title, text, published,
//	                                    found }
//
// outbox/ and due/ are always changed together, in one transaction; so
// are alerts/ and its three indexes, and
// dead/ and announce/. Entry ids are "<alert id>/<notifier>" and notifier
// names never contain "/", so an alert's entries in outbox/, delivered/
// and dead/ are the keys that start with "<alert id>/" and have no
// further "/": the alert history and Prune find them with one seek each.
//
// # Seen keys
//
// One record per seen key (v1–v4: "<source> 0x00 <key>" → JSON time,
// ~150 bytes with bbolt's 16-byte record header) would make a year at
// 20,000 articles a day, with two or three keys each and 180 days kept,
// well over a gigabyte. Since v5 a key is a fingerprint: SHA-256 of the
// v4 record key; its first 12 bits pick one of 4096 slots and the next 64
// bits are stored, sorted, in the set of its slot for the week the key
// was first seen: 8 bytes a key. Seen looks the fingerprint up in each
// stored week's set, newest first (about 27 weeks: a few microseconds
// each); Record adds a pass's new keys to the current week's sets in
// seen_week/, each touched set written once. Those sets grow pass after
// pass, and bbolt leaves pages of values that grow in place about a
// third full, so the first Record of a new week moves the finished
// week's sets, in key order, to the end of seen/, where they fill whole
// pages and stay untouched until pruned (a ~3 MB write once a week at
// 20,000 articles a day). A false "seen" needs 76 equal bits: with 10
// million keys stored, about 10^-16 per lookup. Pruning
// drops whole weeks, so first-seen times have a week's granularity.
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
// Record keeps the extracted text of every article of a pass (Pass.Seen),
// so `newshound replay` can run a changed rule over what was crawled. The
// first record of an article ID wins: an article crawled again or by a
// second source keeps its first source and found time. Texts are
// compressed and appended to the segment of their found day before the
// pass's write transaction, which indexes them in article_ids/; readers
// accept only a record its index entry names, so the texts of a pass that
// never committed stay invisible (textlog.go has the whole argument,
// including what a power cut can cost). Why outside bbolt: at 20,000
// articles a day the 14-day default is ~650 MB, which in bbolt was three
// quarters of a file that never shrinks and that every backup copies; a
// day's segment is deleted whole by PruneTexts and its space goes back at
// once. Articles reads day by day and checks the index a few dozen
// records per read transaction, calling back between them, so a slow
// reader never keeps a read transaction open (which would stall bbolt
// when the file must grow). Alerts keep their own copy of title and
// snippet and do not depend on the texts. Backups (Backup, BackupFile)
// copy the database only: the texts are a replay aid, not state.
//
// # Alert history
//
// Alerts pages through alerts/ newest first using the narrowest index
// the query allows (watch, else source, else found time), with an opaque
// cursor that names the last alert of the previous page: alerts stored
// meanwhile never shift the later pages. Each alert comes with the state
// of each of its entries (queued, delivered or dead).
//
// # Retention
//
// Prune removes, in write transactions of a bounded number of keys, the
// seen weeks wholly older than the seen retention, the alerts found
// before the alert retention (with their delivered/, dead/, announce/
// and index keys; never an alert with a queued entry) and the text
// segments of the UTC days that ended before the text retention (so a
// text is kept up to one day longer than the retention). A pruned alert can be raised again
// only by an article that is no longer seen: keep seen retention at
// least as long as alert retention (see Prune for what happens
// otherwise).
//
// # Backups and compaction
//
// Backup and BackupFile copy the database in one read transaction
// (bbolt Tx.WriteTo) while the daemon runs. Every backup file, this
// process's or one a running daemon streamed over HTTP, is written by
// WriteBackupFile: a synced 0600 temporary file, checked with Verify, then
// renamed into place. Compact copies a closed
// database into a new 0600 file with full pages; bbolt never shrinks a
// file, so this is how space freed by pruning goes back to the system.
// The database is created 0600; Permissions lets the daemon warn about a
// file others can read.
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
// were logged when they died and are not announced); v4→v5 builds the
// three alert indexes from alerts/, rewrites seen/ as weekly fingerprint
// sets (each key in the week of its stored first-seen time) and moves
// texts/ into articles/ and article_ids/, dropping texts/ and
// texts_by_found/; v5→v6 moves articles/ into the text segments and drops
// it (leftovers of a move whose commit failed are deleted first; run
// Compact afterwards to give the space back). The v5 migration holds what it rewrites in memory
// until its commit: upgrading a large file needs about its size in free
// memory once, and an upgraded file keeps its 4 KiB pages until Compact. v3 entries lack
// "digest" and "first_due" and read back as immediate entries with
// FirstDue zero, which the dispatcher takes as Created.
// Fetch state is written by Record with the pass it describes
// (Pass.Fetch): validators stored before their pass would let a 304 hide
// articles never marked seen. Alert records of v1 lack "fired"
// and "highlights" and read back with both empty, so they need no
// rewrite.
// Add a migration by appending to the migrations list, bumping
// schemaVersion and adding a fixture test in migrate_test.go.
package store
