package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Minimal valid sections; a case replaces the one it is about.
const (
	okSources   = `sources: [{name: s, feed: "https://example.org/feed"}]`
	okWatches   = `watches: [{name: w, keywords: [k], notify: [n]}]`
	okNotifiers = `notifiers: [{name: n, stdout: {}}]`
)

func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// testEnv is the environment every test parses with.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"EMPTY":     "",
		"FEED_URL":  "https://example.org/rss",
		"HOOK_URL":  "https://hooks.example.org/x",
		"SLACK_URL": "https://hooks.slack.com/services/T/B/X",
		"PASSWORD":  "hunter2",
	}[name]
	return v, ok
}

// problemCases has one case per message the package can produce; want is
// the exact list of problems, in order.
var problemCases = []struct {
	name, yaml string
	want       []string
}{
	// Document and YAML structure.
	{"syntax", "sources: [\n", []string{"line 1: invalid YAML: did not find expected node content"}},
	{"two documents", doc(okSources, okWatches, okNotifiers, "---", "data: x"), []string{"line 4: only one YAML document is allowed"}},
	{"second document after an empty one", doc(okSources, okWatches, okNotifiers, "---", "---", "data: x"), []string{"line 5: only one YAML document is allowed"}},
	{"root not mapping", "- a\n", []string{"line 1: must be a mapping"}},
	{"empty", "", []string{"sources: required", "watches: required"}},
	{"empty sections", doc("sources: []", "watches:", okNotifiers), []string{"sources (line 1): required", "watches (line 2): required"}},
	{"unknown key", doc("sourcez: []", okSources, okWatches, okNotifiers), []string{"sourcez (line 1): unknown key"}},
	{"unknown nested key", doc("sources:", "  - name: s", "    feeds: https://example.org/", "    feed: https://example.org/", okWatches, okNotifiers),
		[]string{"sources[0].feeds (line 3): unknown key"}},
	{"unknown stdout key", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {color: true}}]"), []string{"notifiers[0].stdout.color (line 3): unknown key"}},
	{"duplicate key", doc("data: a", "data: b", okSources, okWatches, okNotifiers), []string{"data (line 2): duplicate key (first at line 1)"}},
	{"non-string key", doc("defaults: {[a]: 1}", okSources, okWatches, okNotifiers), []string{"defaults (line 1): keys must be strings"}},
	{"alias", doc(okSources, okWatches, "notifiers:", "  - &n {name: n, stdout: {}}", "  - *n"),
		[]string{"notifiers[1] (line 5): YAML aliases are not supported"}},
	{"not a string", doc("data: [a]", okSources, okWatches, okNotifiers), []string{"data (line 1): must be a string"}},
	{"not a list", doc("sources: {name: s}", okWatches, okNotifiers), []string{"sources (line 1): must be a list"}},
	{"not a mapping", doc("defaults: 5", okSources, okWatches, okNotifiers), []string{"defaults (line 1): must be a mapping"}},
	{"entity kind", doc(okSources, "watches: [{name: w, entities: [[a]], notify: [n]}]", okNotifiers),
		[]string{"watches[0].entities[0] (line 2): must be a string or a mapping"}},

	// Environment expansion.
	{"env unset", doc(okSources, okWatches, "notifiers:", "  - name: n", "    slack:", "      webhook_url: ${SLACK_WEBHOOK_URL}"),
		[]string{"notifiers[0].slack.webhook_url (line 6): environment variable SLACK_WEBHOOK_URL is not set"}},
	{"env unterminated", doc(`sources: [{name: s, feed: "https://${FEED_URL"}]`, okWatches, okNotifiers),
		[]string{`sources[0].feed (line 1): unterminated "${"`}},
	{"env bad name", doc(`sources: [{name: s, feed: "${FEED URL}"}]`, okWatches, okNotifiers),
		[]string{`sources[0].feed (line 1): invalid "${...}": a variable name is letters, digits and "_", not starting with a digit`}},
	{"env empty is set", doc(`sources: [{name: s, feed: "${EMPTY}"}]`, okWatches, okNotifiers),
		[]string{"sources[0] (line 1): exactly one of feed, page, sitemap or url is required"}},

	// Defaults.
	{"defaults duration syntax", doc("defaults:", "  max_age: 3x", okSources, okWatches, okNotifiers),
		[]string{"defaults.max_age (line 2): must be a duration like 90m, 72h or 3d"}},
	{"defaults duration zero", doc("defaults: {timeout: 0s}", okSources, okWatches, okNotifiers),
		[]string{"defaults.timeout (line 1): must be greater than zero"}},
	{"defaults schedule", doc("defaults: {schedule: hourly}", okSources, okWatches, okNotifiers),
		[]string{"defaults.schedule (line 1): invalid schedule: expected exactly 5 fields, found 1: [hourly]"}},
	{"defaults user agent", doc(`defaults: {user_agent: "a\r\nX-Evil: 1"}`, okSources, okWatches, okNotifiers),
		[]string{"defaults.user_agent (line 1): must not contain control characters"}},

	// Sources.
	{"source name required", doc(`sources: [{feed: "https://example.org/"}]`, okWatches, okNotifiers),
		[]string{"sources[0].name (line 1): required"}},
	{"source name charset", doc(`sources: [{name: "a b", feed: "https://example.org/"}]`, okWatches, okNotifiers),
		[]string{"sources[0].name (line 1): must match [A-Za-z0-9._-]+"}},
	{"source name duplicate", doc("sources:", "  - {name: s, feed: https://example.org/a}", "  - {name: s, feed: https://example.org/b}", okWatches, okNotifiers),
		[]string{`sources[1].name (line 3): duplicate name "s" (first at line 2)`}},
	{"source kind missing", doc("sources: [{name: s}]", okWatches, okNotifiers),
		[]string{"sources[0] (line 1): exactly one of feed, page, sitemap or url is required"}},
	{"source kinds two", doc("sources:", "  - name: s", "    feed: https://example.org/a", "    sitemap: https://example.org/b", okWatches, okNotifiers),
		[]string{"sources[0].sitemap (line 4): only one of feed, page, sitemap or url may be set"}},
	{"source url", doc(`sources: [{name: s, sitemap: "ftp://example.org/s.xml"}]`, okWatches, okNotifiers),
		[]string{"sources[0].sitemap (line 1): must be an absolute http or https URL"}},
	{"source url relative", doc(`sources: [{name: s, feed: "/rss.xml"}]`, okWatches, okNotifiers),
		[]string{"sources[0].feed (line 1): must be an absolute http or https URL"}},
	{"site url", doc(`sources: [{name: s, url: "example.org"}]`, okWatches, okNotifiers),
		[]string{"sources[0].url (line 1): must be an absolute http or https URL"}},
	{"robots", doc(`sources: [{name: s, feed: "https://example.org/", robots: maybe}]`, okWatches, okNotifiers),
		[]string{"sources[0].robots (line 1): must be true or false"}},
	{"max_items", doc(`sources: [{name: s, feed: "https://example.org/", max_items: -3}]`, okWatches, okNotifiers),
		[]string{"sources[0].max_items (line 1): must be a whole number greater than zero"}},
	{"max_alerts", doc(`sources: [{name: s, feed: "https://example.org/", max_alerts: 0}]`, okWatches, okNotifiers),
		[]string{"sources[0].max_alerts (line 1): must be a whole number greater than zero"}},
	{"pass_timeout", doc(`defaults: {pass_timeout: 0s}`+"\n"+`sources: [{name: s, feed: "https://example.org/", pass_timeout: soon}]`, okWatches, okNotifiers),
		[]string{"defaults.pass_timeout (line 1): must be greater than zero", "sources[0].pass_timeout (line 2): must be a duration like 90m, 72h or 3d"}},
	{"crawl unknown", doc("crawl: {per_hosts: 2}", okSources, okWatches, okNotifiers),
		[]string{"crawl.per_hosts (line 1): unknown key"}},
	{"crawl per_host", doc("crawl: {per_host: 0}", okSources, okWatches, okNotifiers),
		[]string{"crawl.per_host (line 1): must be a whole number greater than zero"}},
	{"crawl robots_ttl", doc("crawl: {robots_ttl: 0s}", okSources, okWatches, okNotifiers),
		[]string{"crawl.robots_ttl (line 1): must be greater than zero"}},
	{"health notify", doc("health: {notify: [n, pager]}", okSources, okWatches, okNotifiers),
		[]string{`health.notify[1] (line 1): unknown notifier "pager"`}},
	{"health threshold", doc("health: {threshold: none}", okSources, okWatches, okNotifiers),
		[]string{"health.threshold (line 1): must be a whole number greater than zero"}},
	{"links required", doc("sources:", "  - name: s", "    page: https://example.org/", okWatches, okNotifiers),
		[]string{"sources[0].links (line 2): required when page is set"}},
	{"links without page", doc(`sources: [{name: s, feed: "https://example.org/", links: a}]`, okWatches, okNotifiers),
		[]string{"sources[0].links (line 1): only valid with page"}},
	{"links selector", doc(`sources: [{name: s, page: "https://example.org/", links: "h2 >"}]`, okWatches, okNotifiers),
		[]string{"sources[0].links (line 1): invalid CSS selector: expected selector, found EOF instead"}},
	{"source schedule", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "* * *"}]`, okWatches, okNotifiers),
		[]string{"sources[0].schedule (line 1): invalid schedule: expected exactly 5 fields, found 3: [* * *]"}},
	{"schedule lone zone", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "CRON_TZ=UTC"}]`, okWatches, okNotifiers),
		[]string{"sources[0].schedule (line 1): invalid schedule: nothing after the time zone"}},
	{"schedule bad zone", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "CRON_TZ=Nowhere/Land 0 6 * * *"}]`, okWatches, okNotifiers),
		[]string{"sources[0].schedule (line 1): invalid schedule: provided bad location Nowhere/Land: unknown time zone Nowhere/Land"}},
	{"schedule every negative", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "@every -5m"}]`, okWatches, okNotifiers),
		[]string{"sources[0].schedule (line 1): invalid schedule: @every needs a positive duration"}},
	{"schedule never", doc(`sources: [{name: s, feed: "https://example.org/", schedule: "0 0 30 2 *"}]`, okWatches, okNotifiers),
		[]string{"sources[0].schedule (line 1): invalid schedule: never fires"}},
	{"source duration syntax", doc(`sources: [{name: s, feed: "https://example.org/", timeout: 10}]`, okWatches, okNotifiers),
		[]string{"sources[0].timeout (line 1): must be a duration like 90m, 72h or 3d"}},
	{"source duration negative", doc(`sources: [{name: s, feed: "https://example.org/", max_age: -1h}]`, okWatches, okNotifiers),
		[]string{"sources[0].max_age (line 1): must be greater than zero"}},
	{"source user agent", doc(`sources: [{name: s, feed: "https://example.org/", user_agent: "a\tb"}]`, okWatches, okNotifiers),
		[]string{"sources[0].user_agent (line 1): must not contain control characters"}},

	// Watches.
	{"watch name required", doc(okSources, "watches: [{keywords: [k], notify: [n]}]", okNotifiers),
		[]string{"watches[0].name (line 2): required"}},
	{"watch name charset", doc(okSources, "watches: [{name: a/b, keywords: [k], notify: [n]}]", okNotifiers),
		[]string{"watches[0].name (line 2): must match [A-Za-z0-9._-]+"}},
	{"watch name duplicate", doc(okSources, "watches:", "  - {name: w, keywords: [k], notify: [n]}", "  - {name: w, keywords: [j], notify: [n]}", okNotifiers),
		[]string{`watches[1].name (line 4): duplicate name "w" (first at line 3)`}},
	{"watch without terms", doc(okSources, "watches: [{name: w, entities: [], notify: [n]}]", okNotifiers),
		[]string{"watches[0] (line 2): needs at least one entity, keyword or a query"}},
	{"entity name empty", doc(okSources, "watches:", "  - name: w", "    entities: [{aliases: [x]}, '  ']", "    notify: [n]", okNotifiers),
		[]string{"watches[0].entities[0].name (line 4): must not be empty", "watches[0].entities[1].name (line 4): must not be empty"}},
	{"alias empty", doc(okSources, `watches: [{name: w, entities: [{name: a, aliases: [b, " "]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].aliases[1] (line 2): must not be empty"}},
	{"alias mapping empty", doc(okSources, `watches: [{name: w, entities: [{name: a, aliases: [{case: sensitive}]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].aliases[0] (line 2): must not be empty"}},
	{"alias unknown key", doc(okSources, `watches: [{name: w, entities: [{name: a, aliases: [{text: b, cases: sensitive}]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].aliases[0].cases (line 2): unknown key"}},
	{"alias list", doc(okSources, `watches: [{name: w, entities: [{name: a, aliases: [[b]]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].aliases[0] (line 2): must be a string or a mapping"}},
	{"alias case", doc(okSources, `watches: [{name: w, entities: [{name: a, aliases: [{text: b, case: upper}]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].aliases[0].case (line 2): must be sensitive or insensitive"}},
	{"entity case", doc(okSources, "watches:", "  - name: w", "    entities:", "      - name: ISIS", "        case: yes", "    notify: [n]", okNotifiers),
		[]string{"watches[0].entities[0].case (line 6): must be sensitive or insensitive"}},
	{"exclude empty", doc(okSources, `watches: [{name: w, entities: [{name: ISIS, exclude: ["Isis River", ""]}], notify: [n]}]`, okNotifiers),
		[]string{"watches[0].entities[0].exclude[1] (line 2): must not be empty"}},
	{"min_mentions zero", doc(okSources, "watches: [{name: w, keywords: [k], min_mentions: 0, notify: [n]}]", okNotifiers),
		[]string{"watches[0].min_mentions (line 2): must be a whole number greater than zero"}},
	{"min_mentions text", doc(okSources, "watches: [{name: w, keywords: [k], min_mentions: two, notify: [n]}]", okNotifiers),
		[]string{"watches[0].min_mentions (line 2): must be a whole number greater than zero"}},
	{"keep_text", doc("keep_text: 0s", okSources, okWatches, okNotifiers),
		[]string{"keep_text (line 1): must be greater than zero"}},
	{"keep_text syntax", doc("keep_text: fortnight", okSources, okWatches, okNotifiers),
		[]string{"keep_text (line 1): must be a duration like 90m, 72h or 3d"}},
	{"keyword empty", doc(okSources, "watches: [{name: w, keywords: [k, ''], notify: [n]}]", okNotifiers),
		[]string{"watches[0].keywords[1] (line 2): must not be empty"}},
	{"unknown source", doc(okSources, "watches: [{name: w, keywords: [k], sources: [s, t], notify: [n]}]", okNotifiers),
		[]string{`watches[0].sources[1] (line 2): unknown source "t"`}},
	{"duplicate source", doc(okSources, "watches: [{name: w, keywords: [k], sources: [s, s], notify: [n]}]", okNotifiers),
		[]string{`watches[0].sources[1] (line 2): duplicate source "s"`}},
	{"notify required", doc(okSources, "watches: [{name: w, keywords: [k]}]", okNotifiers),
		[]string{"watches[0].notify (line 2): required"}},
	{"unknown notifier", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - n", "      - hook", okNotifiers),
		[]string{`watches[0].notify[1] (line 7): unknown notifier "hook"`}},
	{"duplicate notifier", doc(okSources, "watches: [{name: w, keywords: [k], notify: [n, n]}]", okNotifiers),
		[]string{`watches[0].notify[1] (line 2): duplicate notifier "n"`}},
	{"reserved watch source-health", doc(okSources, "watches: [{name: source-health, keywords: [k], notify: [n]}]", okNotifiers),
		[]string{`watches[0].name (line 2): "source-health" is reserved for newshound's own notices`}},
	{"reserved watch delivery", doc(okSources, "watches: [{name: delivery, keywords: [k], notify: [n]}]", okNotifiers),
		[]string{`watches[0].name (line 2): "delivery" is reserved for newshound's own notices`}},
	{"route unknown notifier", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - {notifier: pager, digest: none}", okNotifiers),
		[]string{`watches[0].notify[0] (line 6): unknown notifier "pager"`}},
	{"route duplicate notifier", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - n", `      - {notifier: n, digest: "0 8 * * *"}`, okNotifiers),
		[]string{`watches[0].notify[1] (line 7): duplicate notifier "n"`}},
	{"route without notifier", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", `      - {digest: "0 8 * * *"}`, okNotifiers),
		[]string{"watches[0].notify[0].notifier (line 6): required"}},
	{"route unknown key", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - notifier: n", "        quiet: 22:00-07:00", okNotifiers),
		[]string{"watches[0].notify[0].quiet (line 7): unknown key"}},
	{"route list", doc(okSources, "watches: [{name: w, keywords: [k], notify: [[n]]}]", okNotifiers),
		[]string{"watches[0].notify[0] (line 2): must be a string or a mapping"}},
	{"route digest", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", "      - notifier: n", "        digest: daily", okNotifiers),
		[]string{"watches[0].notify[0].digest (line 7): invalid schedule: expected exactly 5 fields, found 1: [daily]"}},
	{"route digest never", doc(okSources, "watches:", "  - name: w", "    keywords: [k]", "    notify:", `      - {notifier: n, digest: "0 8 31 4 *"}`, okNotifiers),
		[]string{"watches[0].notify[0].digest (line 6): invalid schedule: never fires"}},

	// Delivery settings of notifiers.
	{"digest", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout: {}", `    digest: "0 8 * *"`),
		[]string{"notifiers[0].digest (line 6): invalid schedule: expected exactly 5 fields, found 4: [0 8 * *]"}},
	{"digest zone", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout: {}", `    digest: "CRON_TZ=Mars/Olympus 0 8 * * *"`),
		[]string{"notifiers[0].digest (line 6): invalid schedule: provided bad location Mars/Olympus: unknown time zone Mars/Olympus"}},
	{"digest list", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}, digest: [a]}]"),
		[]string{"notifiers[0].digest (line 3): must be a string"}},
	{"rate_limit unit", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout: {}", "    rate_limit: 10/d"),
		[]string{"notifiers[0].rate_limit (line 6): must be N/s, N/m or N/h with N a whole number greater than zero (e.g. 1/s), or none"}},
	{"rate_limit zero", doc(okSources, okWatches, "notifiers: [{name: n, slack: {webhook_url: '${SLACK_URL}'}, rate_limit: 0/s}]"),
		[]string{"notifiers[0].rate_limit (line 3): must be N/s, N/m or N/h with N a whole number greater than zero (e.g. 1/s), or none"}},
	{"rate_limit word", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}, rate_limit: slow}]"),
		[]string{"notifiers[0].rate_limit (line 3): must be N/s, N/m or N/h with N a whole number greater than zero (e.g. 1/s), or none"}},
	{"rate_limit signed", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}, rate_limit: +2/m}]"),
		[]string{"notifiers[0].rate_limit (line 3): must be N/s, N/m or N/h with N a whole number greater than zero (e.g. 1/s), or none"}},
	{"max_queue_age zero", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout: {}", "    max_queue_age: 0h"),
		[]string{"notifiers[0].max_queue_age (line 6): must be greater than zero"}},
	{"max_queue_age syntax", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}, max_queue_age: 2 days}]"),
		[]string{"notifiers[0].max_queue_age (line 3): must be a duration like 90m, 72h or 3d"}},
	{"delivery key unknown", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}, digests: '@daily'}]"),
		[]string{"notifiers[0].digests (line 3): unknown key"}},

	// Operations: retention, listen, listen_auth, *_file secrets.
	{"retention unknown", doc("retention: {alert: 30d}", okSources, okWatches, okNotifiers),
		[]string{"retention.alert (line 1): unknown key"}},
	{"retention syntax", doc("retention:", "  seen: half a year", okSources, okWatches, okNotifiers),
		[]string{"retention.seen (line 2): must be a duration like 90m, 72h or 3d"}},
	{"retention zero", doc("retention: {text: 0d}", okSources, okWatches, okNotifiers),
		[]string{"retention.text (line 1): must be greater than zero"}},
	{"retention seen shorter", doc("retention:", "  seen: 30d", "  alerts: 60d", okSources, okWatches, okNotifiers),
		[]string{"retention.seen (line 2): 30d is shorter than retention.alerts (60d): articles would be forgotten while their alerts are kept, and a source that still lists them would have them fetched and matched again; keep seen at least as long as alerts"}},
	{"retention alerts longer than default seen", doc("retention: {alerts: 365d}", okSources, okWatches, okNotifiers),
		[]string{"retention.alerts (line 1): 365d is longer than retention.seen (180d): articles would be forgotten while their alerts are kept, and a source that still lists them would have them fetched and matched again; keep alerts at most as long as seen"}},
	{"retention seen shorter than default alerts", doc("retention: {seen: 36h}", okSources, okWatches, okNotifiers),
		[]string{"retention.seen (line 1): 36h0m0s is shorter than retention.alerts (90d): articles would be forgotten while their alerts are kept, and a source that still lists them would have them fetched and matched again; keep seen at least as long as alerts"}},
	{"keep_text disagrees", doc("keep_text: 30d", "retention: {text: 14d}", okSources, okWatches, okNotifiers),
		[]string{"keep_text (line 1): is the old name of retention.text, which says 14d: remove keep_text"}},
	{"metrics unknown", doc("metrics: {per_sources: true}", okSources, okWatches, okNotifiers),
		[]string{"metrics.per_sources (line 1): unknown key"}},
	{"metrics per_source not bool", doc("metrics: {per_source: yes please}", okSources, okWatches, okNotifiers),
		[]string{"metrics.per_source (line 1): must be true or false"}},
	{"metrics pprof without listen", doc("metrics: {pprof: true}", okSources, okWatches, okNotifiers),
		[]string{"metrics.pprof (line 1): requires listen and listen_auth: the profiles are served only to an authenticated client"}},
	{"metrics pprof without auth", doc("listen: 127.0.0.1:8080", "metrics:", "  pprof: true", okSources, okWatches, okNotifiers),
		[]string{"metrics.pprof (line 3): requires listen and listen_auth: the profiles are served only to an authenticated client"}},
	{"listen syntax", doc("listen: 8080", okSources, okWatches, okNotifiers),
		[]string{`listen (line 1): must be host:port with a port in 1-65535 (an empty host, ":8080", means every interface)`}},
	{"listen port", doc("listen: 127.0.0.1:70000", okSources, okWatches, okNotifiers),
		[]string{`listen (line 1): must be host:port with a port in 1-65535 (an empty host, ":8080", means every interface)`}},
	{"listen host", doc("listen: 'bad host:8080'", okSources, okWatches, okNotifiers),
		[]string{`listen (line 1): must be host:port with a port in 1-65535 (an empty host, ":8080", means every interface)`}},
	{"listen everywhere", doc("listen: 0.0.0.0:8080", okSources, okWatches, okNotifiers),
		[]string{"listen (line 1): 0.0.0.0:8080 is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server"}},
	{"listen empty host", doc("listen: :8080", okSources, okWatches, okNotifiers),
		[]string{"listen (line 1): :8080 is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server"}},
	{"listen ipv6 any", doc("listen: '[::]:8080'", okSources, okWatches, okNotifiers),
		[]string{"listen (line 1): [::]:8080 is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server"}},
	{"listen host name", doc("listen: status.example.org:443", okSources, okWatches, okNotifiers),
		[]string{"listen (line 1): status.example.org:443 is not a loopback address: set listen_auth (bearer or basic) to expose the HTTP server"}},
	{"listen_auth without listen", doc("listen_auth: {bearer: 0123456789abcdef}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth (line 1): only valid with listen"}},
	{"listen_auth empty", doc("listen: 0.0.0.0:8080", "listen_auth: {}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth (line 2): exactly one of bearer or basic is required"}},
	{"listen_auth both", doc("listen: 0.0.0.0:8080", "listen_auth:", "  bearer: 0123456789abcdef", "  basic: {username: u, password: correct-horse}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.basic (line 4): only one of bearer or basic may be set"}},
	{"listen_auth unknown", doc("listen: 127.0.0.1:8080", "listen_auth: {token: x}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.token (line 2): unknown key", "listen_auth (line 2): exactly one of bearer or basic is required"}},
	{"bearer short", doc("listen: 0.0.0.0:8080", "listen_auth: {bearer: '${PASSWORD}'}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.bearer (line 2): must be at least 16 characters (a token from e.g. `openssl rand -hex 32`)"}},
	{"bearer spaces", doc("listen: 0.0.0.0:8080", "listen_auth: {bearer: 'correct horse battery staple'}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.bearer (line 2): must not contain spaces or control characters"}},
	{"bearer and bearer_file", doc("listen: 0.0.0.0:8080", "listen_auth:", "  bearer_file: /run/token", "  bearer: 0123456789abcdef", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.bearer (line 4): only one of bearer or bearer_file may be set"}},
	{"basic username", doc("listen: 0.0.0.0:8080", "listen_auth: {basic: {username: 'a:b', password: correct-horse}}", okSources, okWatches, okNotifiers),
		[]string{`listen_auth.basic.username (line 2): must not contain ":" or control characters`}},
	{"basic username required", doc("listen: 0.0.0.0:8080", "listen_auth: {basic: {password: correct-horse}}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.basic.username (line 2): required"}},
	{"basic password required", doc("listen: 0.0.0.0:8080", "listen_auth:", "  basic:", "    username: ops", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.basic.password (line 3): required"}},
	{"basic password short", doc("listen: 0.0.0.0:8080", "listen_auth: {basic: {username: ops, password: '${PASSWORD}'}}", okSources, okWatches, okNotifiers),
		[]string{"listen_auth.basic.password (line 2): must be at least 12 characters"}},
	{"secret file missing", doc(okSources, okWatches, "notifiers:", "  - name: n", "    slack:", "      webhook_url_file: /nonexistent/newshound/slack-webhook"),
		[]string{"notifiers[0].slack.webhook_url_file (line 6): cannot read /nonexistent/newshound/slack-webhook: no such file or directory"}},
	{"secret file not regular", doc(okSources, okWatches, "notifiers: [{name: n, webhook: {url: 'https://h.example/x', secret_file: /}}]"),
		[]string{"notifiers[0].webhook.secret_file (line 3): / is not a regular file"}},
	{"secret file empty path", doc(okSources, okWatches, "notifiers: [{name: n, webhook: {url_file: ''}}]"),
		[]string{"notifiers[0].webhook.url_file (line 3): must be the path of a file holding the secret"}},
	{"secret and file", doc(okSources, okWatches, "notifiers:", "  - name: n", "    email:", "      smtp: h:25", "      username: u", "      password: p",
		"      password_file: /run/credentials/smtp", "      from: a@example.org", "      to: [b@example.org]"),
		[]string{"notifiers[0].email.password_file (line 9): only one of password or password_file may be set"}},
	{"secret file env unset", doc(okSources, okWatches, "notifiers: [{name: n, slack: {webhook_url_file: '${CREDENTIALS_DIRECTORY}/slack'}}]"),
		[]string{"notifiers[0].slack.webhook_url_file (line 3): environment variable CREDENTIALS_DIRECTORY is not set"}},

	// Notifiers.
	{"notifier name required", doc(okSources, okWatches, "notifiers: [{name: n, stdout: {}}, {stdout: {}}]"),
		[]string{"notifiers[1].name (line 3): required"}},
	{"notifier name duplicate", doc(okSources, okWatches, "notifiers:", "  - {name: n, stdout: {}}", "  - {name: n, stdout: {}}"),
		[]string{`notifiers[1].name (line 5): duplicate name "n" (first at line 4)`}},
	{"notifier kind missing", doc(okSources, okWatches, "notifiers: [{name: n}]"),
		[]string{"notifiers[0] (line 3): exactly one of webhook, slack, email or stdout is required"}},
	{"notifier kinds two", doc(okSources, okWatches, "notifiers:", "  - name: n", "    stdout:", "    slack: {webhook_url: '${SLACK_URL}'}"),
		[]string{"notifiers[0].slack (line 6): only one of webhook, slack, email or stdout may be set"}},
	{"webhook url required", doc(okSources, okWatches, "notifiers:", "  - name: n", "    webhook:", "      secret: x"),
		[]string{"notifiers[0].webhook.url (line 5): required"}},
	{"webhook url invalid", doc(okSources, okWatches, "notifiers: [{name: n, webhook: {url: 'hooks.example.org/x'}}]"),
		[]string{"notifiers[0].webhook.url (line 3): must be an absolute http or https URL"}},
	{"slack url required", doc(okSources, okWatches, "notifiers: [{name: n, slack: {webhook_url: '${EMPTY}'}}]"),
		[]string{"notifiers[0].slack.webhook_url (line 3): required"}},
	{"slack url http", doc(okSources, okWatches, "notifiers: [{name: n, slack: {webhook_url: 'http://hooks.slack.com/services/T/B/X'}}]"),
		[]string{"notifiers[0].slack.webhook_url (line 3): must be an absolute https URL (http only for loopback hosts)"}},
	{"smtp required", doc(okSources, okWatches, "notifiers:", "  - name: n", "    email:", "      from: a@example.org", "      to: [b@example.org]"),
		[]string{"notifiers[0].email.smtp (line 5): required"}},
	{"smtp host port", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: smtp.example.org, from: a@example.org, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.smtp (line 3): must be host:port"}},
	{"smtp port range", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'smtp.example.org:0', from: a@example.org, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.smtp (line 3): must be host:port"}},
	{"tls", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', tls: ssl, from: a@example.org, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.tls (line 3): must be starttls, tls or none"}},
	{"password required", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', username: u, from: a@example.org, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.password (line 3): required when username is set"}},
	{"password without username", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', password: p, from: a@example.org, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.password (line 3): only valid with username"}},
	{"from required", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.from (line 3): required"}},
	{"from invalid", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', from: alerts, to: [b@example.org]}}]"),
		[]string{"notifiers[0].email.from (line 3): invalid address: missing '@' or angle-addr"}},
	{"to required", doc(okSources, okWatches, "notifiers: [{name: n, email: {smtp: 'h:25', from: a@example.org, to: []}}]"),
		[]string{"notifiers[0].email.to (line 3): required"}},
	{"to invalid", doc(okSources, okWatches, "notifiers:", "  - name: n", "    email:", "      smtp: h:25", "      from: a@example.org", "      to:", "        - b@example.org", `        - "c@example.org\r\nBcc: x@evil.example"`),
		[]string{`notifiers[0].email.to[1] (line 10): invalid address: expected single address, got "\r\nBcc: x@evil.example"`}},
}

func TestParseProblems(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range problemCases {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.name] {
				t.Fatalf("duplicate case name %q", tc.name)
			}
			seen[tc.name] = true
			c, err := Parse([]byte(tc.yaml), "", testEnv)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Parse(%q) = %+v, %v; want an *Error", tc.yaml, c, err)
			}
			if c != nil {
				t.Errorf("Parse(%q) returned a Config with an error", tc.yaml)
			}
			var got []string
			for _, p := range cerr.Problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) problems (-want +got):\n%s", tc.yaml, diff)
			}
			if err.Error() != strings.Join(got, "\n") {
				t.Errorf("Parse(%q).Error() = %q, want the problems joined by newlines", tc.yaml, err.Error())
			}
		})
	}
}
