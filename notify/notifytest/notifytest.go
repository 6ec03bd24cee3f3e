// Package notifytest is the conformance kit every delivery channel's tests
// share, in the spirit of Alertmanager's notify/test package.
//
// It supplies three things, so that each channel is held to the same rules:
//
//   - Alerts full of hostile web content (Slack control sequences, forged
//     links, HTML, header-injection attempts, javascript: URLs, Arabic, a
//     20 kB title, invalid UTF-8), via SampleAlert and Hostile;
//   - AssertNoSecret, which walks a whole error chain looking for
//     credentials, because a webhook URL or an SMTP password in an error
//     ends up in logs and dead letters;
//   - StatusCases and RunStatusCases, the HTTP status → retryable table
//     both HTTP channels (webhook, slack) must satisfy, run against a real
//     httptest server.
//
// Helpers for misbehaving peers (a receiver that never answers, an SMTP
// server that never greets) live here too, on the receiver kit
// internal/testreceiver, so that every channel tests the same failure the
// same way.
//
// The kit is for tests only: production packages must not import it. It
// imports notify for the DelayError contract, so only external test
// packages (package notify_test) of notify itself can use it.
package notifytest
