// Package crashloop proves newshound's delivery promise under SIGKILL: no
// alert lost, none raised twice for one article, and a repeat only where a
// kill left the outcome of a send unknown (RELIABILITY.md item 14).
//
// Run plays one crash loop with the real binary as a separate process:
//
//   - a local news site (internal/testsite, 127.0.0.1) whose RSS feed and HTML
//     front page keep gaining articles, one every 100–200 ms. Most
//     articles name the watched term in their text; about one in four are
//     traps that name it only in the page furniture (sidebar, footer) or
//     name a near miss, so a correct daemon never alerts on them. Both
//     sources list the same articles (the front page with utm_ parameters
//     and a fragment), so every article is found twice and must still
//     alert once;
//   - a webhook receiver (internal/testreceiver) that verifies each request's Standard
//     Webhooks signature, records the alert id (webhook-id header, equal to
//     the payload's id and to Idempotency-Key), when the request reached
//     the handler, and whether its 2xx answer was written; it answers after
//     a random 0–30 ms so that sends are often in flight at a kill;
//   - an SMTP server (internal/testreceiver, in-process go-smtp) that records each message whose
//     final "." arrived, by the alert id in its Message-ID, and answers
//     the dot after a random 0–30 ms. Both receivers also accept each
//     connection after a random 0–30 ms (the webhook one without
//     keep-alive), so a kill often catches a send connected but not yet
//     delivered: a daemon that recorded its ack before sending would lose
//     alerts there, and the loop would say so (without the delay that
//     window is microseconds wide; a test run with such a mutant binary
//     lost 7 of 170 deliveries in 60 kills);
//   - a config with both sources on "@every 1s" and one watch notifying
//     both: the webhook notifier, whose URL path names the run
//     (/hook/run-N), and the e-mail notifier, whose recipient names it
//     (desk+run-N@example.org). The file is rewritten before each start,
//     while no daemon runs, so every delivery is known to come from one
//     run;
//   - the loop: start `newshound run --config F`, SIGKILL it after a random
//     50–600 ms, restart at once, Options.Kills times; every third run is
//     instead killed as soon as its text segments grow (polled every
//     0.2 ms; at its random time if they do not), so that kills land
//     between a pass's text append and its commit, a window of a few
//     milliseconds per pass that random kills rarely hit (not once in a
//     50-kill trial run without this).
//     Then publishing stops, the binary runs one last time until every
//     expected alert has arrived and each source has logged a recorded
//     pass that fetched no new article (bounded by Options.FinalWait),
//     gets SIGTERM and must exit 0 within 30 s. Its store must then hold
//     no queued entry and no dead letter.
//
// # What is checked (Report.Err)
//
// The expected alerts are the ids the daemon must compute for the
// articles that name the term: news.AlertID(watch, canonical URL), the
// canonical URL being crawler.Canonicalize of the article link (the
// article pages carry no rel=canonical), as app/pass.go does. Each must
// arrive through both receivers; the rules below hold per receiver (a
// delivery is a notifier and an alert id, Key).
//
//   - every expected alert was delivered at least once (nothing lost);
//   - nothing else was delivered (no trap, no unknown id), every webhook
//     request carried a valid signature with header and payload ids
//     agreeing, and every message an alert id in its Message-ID;
//   - repeats (deliveries of an id beyond its first) number at most the
//     kills, for each receiver: the notifiers send in parallel, so one
//     kill may leave one send of each in flight;
//   - each repeat is explained by a kill: the run that made the earlier
//     delivery was SIGKILLed before the store recorded its ack, and the
//     repeat came from a later run. Between two runs, while no daemon
//     runs, the harness opens the store and reads which deliveries of the
//     dead run are marked delivered (store.Delivered); a delivery that
//     reached a receiver after that read was never answered to the dead
//     process, so it cannot have been marked. A repeat within one run, of
//     a delivery by a run that was not killed, or of one the store had
//     recorded, is a fault.
//
// After the final run the store must hold no queued entry and no dead
// letter, and mark every expected delivery delivered. The report also
// gives the longest time a repeated delivery had gone unrecorded when its
// run died (MaxAckLag): no rule, since a loaded disk can make a commit
// slow, but a daemon that sat on its acks would show there.
//
// A second alert for the same article "because of a kill" cannot hide from
// these rules: the alert id is a pure function of watch and article
// identity, so a duplicate raised by a crash (say, a pass recorded twice)
// would reach the receiver as a repeat of the same id, and would have to
// be explained by the death of the run that made the first delivery before
// its ack was recorded — which a duplicate created by a later pass is not.
// An article recorded under a different identity would show up as an
// unexpected id.
//
// # Replay texts
//
// After the final run, while no daemon runs, the harness opens the store
// and walks Store.Articles from the beginning (the texts kept for
// `newshound replay`, which a pass appends to <data>.texts/ before the
// commit that indexes them; see package store). The rules, in the
// Report's Texts:
//
//   - every published article is marked seen by both sources (Store.Seen
//     of its canonical URL, the lookup key of both listings), since the
//     final run waited for a pass of each that found nothing new;
//   - every article some source marked seen has exactly one text, under
//     its ID (the canonical URL); no text has an ID the site never
//     published, and no ID comes twice;
//   - the text is what the site served: the page's title, and every
//     paragraph of the article body in order (the extractor drops the
//     furniture, so extra lines are not checked); its source is one of
//     the two configured and its found time is set;
//   - the text of an article that alerted has the source and found time
//     of its stored alert: one pass's transaction indexes the text and
//     stores the alert, and each keeps the first committed record, so a
//     text from a pass killed before its commit (an earlier found time)
//     shows here. A store whose readers yielded such texts failed this
//     rule (11 of 116 texts in a 50-kill loop);
//   - the segment files parse as the magic and a run of records (length,
//     CRC-32C, value) with at most a torn tail — a record cut short by a
//     kill, which the next append to that segment cuts off. The harness
//     reads the framing itself (store exports no check of its segments);
//     a complete record with a bad checksum is damage.
//
// The report counts the records the segments hold beyond the visible
// texts: texts of passes killed between append and commit, and of passes
// that lost the race for an article to the other source's.
//
// SIGKILL leaves the page cache intact, so the loop does not prove
// durability against power loss (that rests on bbolt's fsync on commit,
// which the store never disables).
//
// Times are the harness's monotonic clock: the receiver, the kills and the
// process starts all live in this process. The figures Report prints
// include the median time from exec to the daemon's "newshound running"
// line.
package crashloop
