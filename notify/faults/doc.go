// Package faults holds the fault tests of newshound's delivery: one test
// per item 1–13 of RELIABILITY.md ("Faults and bad input newshound must
// survive", section Delivery), named after it (TestItem01_503ForTenMinutes
// … TestItem13_AlertStorm; an item with several tests has them all start
// with its TestItemNN_ prefix, so `go test -run Item04` runs item 4). The
// package has no code of its own; everything is in its _test.go files:
// retry_test.go (items 1, 2, 5), permanent_test.go (3, 4, 6, 7, 8),
// smtp_items_test.go (9, 10, 11), load_test.go (12, 13); the receivers
// are the shared kit internal/testreceiver.
//
// # What runs for real
//
// Each test drives the real notify.Dispatcher over a real bbolt store
// (store.Open on a file in t.TempDir(), alerts queued with store.Record as
// a crawl pass queues them) through the real channels — notify/webhook,
// notify/slack and notify/email — pointed at real receivers on 127.0.0.1
// that misbehave on purpose:
//
//   - HTTP receivers (httptest) scripted per request: 503 with
//     Retry-After, 429 with Retry-After in seconds or as a date, 400, 401,
//     403, 404, 410, 3xx with a Location that points at a second receiver
//     (which must never be hit), Slack 200 with a body other than "ok", a
//     receiver that accepts and never answers (or sends its status and
//     then nothing), and one that closes the connection without answering
//     (a crashed proxy);
//   - an in-process SMTP server (github.com/emersion/go-smtp) that
//     greylists (451 on the first MAIL, RCPT or DATA, then accepts),
//     rejects with 5xx, refuses chosen recipients at RCPT (450 or 550,
//     counting what each address received), or drops the connection
//     after the final "."
//     without answering; a listener wrapped around it holds connections
//     without a greeting (a server that never greets: its first ones, or
//     all while "down"), so a later retry reaches the real server.
//
// Time is internal/testclock, passed to the store, the dispatcher and the
// channels (Retry-After dates, webhook timestamps, e-mail Date): a test
// "waits" ten minutes or six hours by advancing the clock, and only the
// per-attempt timeouts of the stall tests run on the real clock (a few
// hundred milliseconds). No test sleeps.
//
// # What is asserted
//
// The exact outcome RELIABILITY.md lists for the item, on what the
// receivers really got (bodies, headers, Message-IDs, request counts) and
// on the store afterwards (queued entries with their attempts, next
// attempt and last error; dead letters with their reason; delivered
// marks; disabled notifiers). A test that fails here has found a
// behaviour the document promises and the code does not keep.
package faults
