// Package web is newshound's HTTP face: health and readiness probes,
// the Prometheus metrics, a JSON API over the alert history and the
// source health table, an Atom feed per watch, and a status page an
// operator can read on a phone.
//
// # Endpoints
//
//	GET /healthz                200 "ok" while the process serves (never behind auth)
//	GET /readyz                 200 "ready", or 503 with the reason Backend.Ready gives
//	GET /metrics                the handler in Options.Metrics (404 when nil)
//	GET /api/v1/alerts          alert history as JSON, newest first, cursor paging
//	GET /api/v1/sources         one page of the source health table as JSON
//	GET /watches/<watch>.atom   an Atom 1.0 feed of the watch's newest 50 alerts
//	GET /                       the status page (server-rendered, no JavaScript)
//	GET /static/style.css       the page's stylesheet (embedded)
//	POST /api/v1/backup         a consistent copy of the database (only with Options.Backup)
//	GET /debug/pprof/...        net/http/pprof's profiles (only with Options.Pprof and Auth)
//
// # Online backup
//
// While the daemon runs it holds the database file (bbolt's lock), so
// `newshound backup` asks it: POST /api/v1/backup answers 200 with
// Content-Type application/octet-stream and the bbolt file as the body,
// read in one transaction (store.Store.Backup) as it is sent, so the
// body is chunked, without a length. A failure before the first byte is a
// 500 like any other; a failure after it aborts the connection, so a
// client never takes a short copy for a whole one. Each write has its own
// one-minute deadline instead of the server's overall write timeout, so a
// large file is not cut short and a stalled client does not hold the read
// transaction for ever. Other methods get 405; it is behind the same auth
// as everything else, and like every request that is not GET, HEAD or
// OPTIONS it must carry the header X-Newshound-Request (RequestHeader;
// `newshound backup` sends "1") and must not come from another origin
// (see Which requests are served).
//
// # JSON API
//
// Field names are snake_case and stable; a time is RFC 3339 in UTC, or
// null when unknown. /api/v1/alerts takes watch, source, since (RFC 3339,
// or a duration back from now as news.ParseDuration reads it: 90m, 24h,
// 7d, 1d12h), limit (1..500, default 50)
// and cursor (the next value of the previous page). It answers
//
//	{"alerts": [{"id", "watch", "source", "url", "title", "published",
//	   "found", "fired", "snippet", "highlights": [{"start", "end"}],
//	   "matches": [{"term", "seen", "count"}],
//	   "deliveries": [{"notifier", "state", "attempts", "at", "last_error"}]}],
//	 "next": "<cursor, empty on the last page>"}
//
// url is the alert's stored URL as it is: a client must check the scheme
// before it makes a link of it (this server links http and https only).
// /api/v1/sources takes filter (all, the default; trouble; or one kind
// of trouble: unhealthy, failing, never_succeeded, truncated), limit
// (1..1000, default 100) and cursor (the next value of the previous
// page); the sources come trouble first (unhealthy, failing, never
// succeeded, a cut listing), by name within each (SelectSources). It
// answers {"sources": [{"name", "kind", "url",
// "healthy", "health" ("ok", "degraded", "unhealthy" or "never run"),
// "unhealthy_since", "last_run", "next_run", "last_success",
// "consecutive_failures", "consecutive_empty", "items", "new_articles",
// "history", "last_error", "failing_articles": [{"url", "attempts",
// "first_failure", "last_error"}]}], "next": "<cursor, empty on the last
// page>", "counts": {"total", "ok", "degraded", "unhealthy", "never_run",
// "trouble", "failing", "never_succeeded", "truncated"}}, counts being
// over all sources whatever the filter, failing_articles every article
// page of the source that keeps failing and is retried, oldest first
// failure first ([] when none; the status page lists the 5 oldest). A
// failing article's url is as untrusted as an alert's. A bad parameter gives 400 with
// {"error": "<message>", "param": "<name>"}; a failure behind it 500 with
// {"error": "internal error"} (the cause is logged, never sent).
//
// The status page shows the same counts and one page of the same order
// (filter, limit and cursor in its query, with links to each filter and
// to the next page), so that 10,000 sources never make a page of
// megabytes.
//
// # Profiles
//
// With Options.Pprof the net/http/pprof handlers answer under
// /debug/pprof/ (the index, the named profiles, cmdline, profile, symbol,
// trace), behind the same auth as everything else. Without Auth they stay
// unrouted whatever Options.Pprof says: goroutine stacks and the command
// line are no one's business but an authenticated operator's.
//
// # Atom feeds
//
// /watches/<watch>.atom answers 404 when <watch> is not a possible watch
// name ([A-Za-z0-9._-]+, as config requires); any possible name gets a
// valid feed, empty until the watch alerts, because the server does not
// know the configuration and a quiet watch must not look broken to a
// feed reader. An entry's id is urn:newshound:alert:<alert id> (stable
// across restarts, as alert ids are), its link the article when the URL
// is http or https, its summary the snippet and its content the snippet
// as HTML with the hits in <mark>.
//
// # Security
//
// Every response carries a Content-Security-Policy that allows nothing
// but the page's own stylesheet and images (no scripts at all),
// frame-ancestors 'none', nosniff and no-referrer. Everything that comes
// from the web (titles, URLs, snippets, errors) is escaped by
// html/template or encoding/json/xml; an article URL becomes a link only
// when it is http or https. With Options.Auth set, every endpoint but
// /healthz requires the bearer token or the basic-auth user and password,
// compared in constant time. RequiresAuth tells whether a listen address
// reaches beyond loopback, for the config rule that such an address must
// have auth.
//
// # Which requests are served
//
// Three checks run before auth, in this order, on every endpoint but the
// probes (/healthz, /readyz):
//
//   - Host, only without auth (RELIABILITY.md item 37). Config allows no
//     auth only on a loopback listen address, where the one remote way
//     in is DNS rebinding: a page of attacker.example, its name rebound to
//     127.0.0.1, makes the victim's browser send requests with Host
//     attacker.example:PORT and read the answers as its own. So the Host
//     must be "localhost" (any case), a loopback IP literal (127.0.0.0/8,
//     [::1], IPv4-mapped forms) or the connection's local IP, with the
//     port the request arrived on or with no port (a browser always sends
//     a non-default port; a Host without one comes from a local proxy or
//     a hand-made request, never from a foreign page). Anything else —
//     other names, "localhost." and "*.localhost", zones, another port —
//     gets 421 Misdirected Request with a plain-text reason and nothing of
//     the data. A reverse proxy in front of a server without auth must
//     send the upstream address as Host (nginx does by default; Caddy
//     needs header_up Host {upstream_hostport}), or the config sets
//     listen_auth.
//   - With auth the Host is not checked: the server may listen on every
//     interface and be reached by names it cannot know (a service name,
//     a pod IP, a proxy's), and credentials are the guard — a browser
//     sends cached basic credentials only to the origin they were given
//     for, and a bearer token never by itself.
//   - Cross-site requests (RELIABILITY.md item 38), with or without auth:
//     a method other than GET, HEAD or OPTIONS (today only POST
//     /api/v1/backup) gets 403 when net/http's CrossOriginProtection finds
//     it cross-origin (Sec-Fetch-Site other than same-origin or none, or an
//     Origin whose host is not the Host) or when it lacks the header
//     X-Newshound-Request, which no HTML form can send and no foreign
//     script can send without a CORS preflight this server never grants.
//     A browser with cached credentials therefore cannot be made to start
//     a backup. GET requests change nothing and stay open to links.
//
// The probes skip the Host check because they reveal nothing worth
// taking ("ok"; "ready" or why not) and container health checks name the
// server as they please (a Kubernetes probe sends the pod IP); /readyz
// stays behind auth when auth is on, /healthz never is.
package web
