// Package config loads, expands and validates newshound's YAML
// configuration. It is the contract between the operator and the daemon:
// everything below the app package receives values from a *Config and never
// reads files or the environment itself. Only the composition root (cmd and
// app) imports it, and it imports none of the layers it configures: rules
// whose judge lives in another package (queries, quiet hours, templates,
// webhook signing secrets) are Checks the app passes to Parse, Load or
// Validate, reported with the rest at their lines (app.LoadConfig).
//
// # Schema
//
//	data: newshound.db            # bbolt file; relative to the config file's folder
//	retention:                    # what the daemon's daily prune keeps (Go duration or days)
//	  seen: 180d                  # seen keys of articles (default 180d; at least alerts)
//	  alerts: 90d                 # alerts and their delivery records (default 90d)
//	  text: 14d                   # article text for replay (default 14d)
//	keep_text: 14d                # old name of retention.text, still accepted
//	listen: 127.0.0.1:8080        # HTTP server (status page, API, metrics); absent = none
//	listen_auth:                  # required unless listen is loopback; one of:
//	  bearer: ${NEWSHOUND_TOKEN}  # "Authorization: Bearer …", at least 16 characters
//	  basic: {username: ops, password_file: /run/secrets/nh-password}   # password ≥ 12
//	metrics:                      # optional; read at start
//	  per_source: false           # every per-source series on /metrics (large at 1,000s of sources)
//	  pprof: false                # net/http/pprof under /debug/pprof/; needs listen and listen_auth
//	defaults:                     # each may be overridden per source
//	  schedule: "@every 15m"      # cron.ParseStandard: 5 fields, CRON_TZ=, @every, @hourly...
//	  max_age: 72h                # no alert for older articles; Go duration or days ("3d", "1d12h")
//	  user_agent: ""              # "" = the crawler's default
//	  timeout: 30s
//	sources:                      # required, non-empty
//	  - name: wire                # required, unique, [A-Za-z0-9._-]+
//	    feed: https://…           # exactly one of feed | page | sitemap (absolute http/https URL)
//	    page: https://…           # an HTML listing page…
//	    links: "h2.headline a"    # …and the CSS selector of its article links (only with page)
//	    sitemap: https://…
//	    schedule / max_age / user_agent / timeout   # optional overrides
//	watches:                      # required, non-empty
//	  - name: detainees           # required, unique, [A-Za-z0-9._-]+
//	    entities:                 # an entity is {name, case, aliases, exclude} or a plain string
//	      - {name: al Hol, aliases: [al-Hawl]}
//	      - name: ISIS
//	        aliases: [Daesh, {text: IS, case: sensitive}]   # an alias is a string or {text, case}
//	        exclude: ["Isis River"]   # phrases that cancel a hit where they cover it
//	      - CENTCOM
//	    keywords: [prisoner transfer]
//	    query: '("al Hol" OR CENTCOM) AND transfer*'   # optional; matcher/query syntax
//	    min_mentions: 2           # optional; total hits of the watch's terms
//	    sources: [wire]           # optional; default every source
//	    notify:                   # required; each a notifier name (delivery as that
//	      - hook                  # notifier says) or {notifier, digest}:
//	      - {notifier: mail, digest: "0 8 * * *"}   # this watch as a digest at 08:00
//	      - {notifier: team, digest: none}          # at once, though team has a digest
//	notifiers:                    # each has a unique name and exactly one channel:
//	  - {name: hook, webhook: {url: https://…, secret: …}}          # url required, http/https
//	  - {name: team, slack: {webhook_url_file: ${CREDENTIALS_DIRECTORY}/slack}}   # https (http for loopback only)
//	  - name: mail
//	    email: {smtp: host:587, tls: starttls, username: u, password: p, from: a@b, to: [c@d]}
//	  - {name: console, stdout: {}}
//	  # any notifier may add:
//	  #   digest: "0 8 * * *"     # collect alerts, send one message at these times (cron spec)
//	  #   quiet: "22:00-07:00 Europe/Berlin"   # hold messages in this daily window
//	  #   rate_limit: 1/s         # N/s, N/m, N/h or none; default 1/s for slack, none otherwise
//	  #   max_queue_age: 48h      # undelivered longer than this (from first due): dead letter
//	  #   template: |             # replaces the built-in message format
//	  #     {{…}}
//
// A watch needs at least one entity, keyword or a query; entity names,
// aliases, exclude phrases and keywords are trimmed and must not be empty.
// case is sensitive or insensitive (the default). A query must parse with
// matcher/query.Parse (the app's check); its error names the column. min_mentions is a whole
// number greater than zero. Email tls is starttls (the
// default), tls or none; a password goes with a username and the other way
// round; from and every to must parse with net/mail.ParseAddress.
// Durations must be greater than zero. Watch names source-health and
// delivery are reserved for newshound's own notices. A schedule must parse with
// cron.ParseStandard, the parser the scheduler uses, and must fire at some
// point. An explicit null or empty optional value means "not set", so the
// default applies.
//
// # Delivery
//
// Without digest a notifier sends each alert as it comes. With digest (a
// cron spec checked like a schedule; CRON_TZ= sets its zone) alerts routed
// to it wait and go out together, one message per notifier, at the next
// time the spec fires after the alert was found. A watch's notify item
// {notifier: NAME, digest: SPEC} overrides the notifier's digest for that
// watch, and digest: none sends that watch's alerts at once; a plain name
// keeps the notifier's own setting. Config.Watch keeps the names in Notify
// and the items in Routes. Source-health and delivery notices always go at
// once.
//
// quiet is "HH:MM-HH:MM" and an optional IANA zone (UTC without one),
// parsed with notify/quiet.Parse (Notifier.Quiet keeps the text; the app
// checks and parses it); a window may span midnight; what falls
// due inside it goes out as one digest when it ends. rate_limit N/s, N/m or
// N/h becomes the least time between two messages (MinInterval); Slack
// gets 1/s unless it says otherwise (none turns it off). max_queue_age
// (default 48h) is how long an entry may stay undelivered, counted from
// when it first fell due, before it becomes a dead letter. template is
// parsed by the app's check, with the code that builds the channel
// (notify/tmpl.Parse), for the notifier's kind (text for stdout,
// Slack mrkdwn for slack, the JSON body for webhook, HTML for email) and
// rendered once with sample alerts, so a template error is a problem here,
// at the template's line, not a failure at send time.
//
// # Operations
//
// listen is host:port as net.Listen takes it: an IP address, a host name
// or nothing (every interface) before the colon, a port 1-65535 after it.
// Only a loopback address (localhost, 127.0.0.0/8, ::1; see
// IsLoopbackListen) may go without listen_auth: on any other address
// (0.0.0.0, ::, ":8080", a LAN address, any host name other than
// localhost) the status page, the alert API and the backup endpoint would
// be open to the network, so the file is refused until listen_auth says
// how to authenticate. listen_auth holds exactly one of bearer (a token of
// at least 16 characters, no spaces) and basic ({username, password}: the
// username without ":", the password of at least 12 characters), and is
// only valid with listen. metrics.pprof is refused without listen and
// listen_auth: the profiles show stacks and the command line, and are
// never served unauthenticated, not even on loopback.
//
// retention durations must be greater than zero, and seen at least as
// long as alerts: an alert pruned while its article is still remembered
// is harmless, but an article forgotten while its alert is kept is fetched
// and matched again whenever its source still lists it. keep_text is the
// older name of retention.text and keeps working; given beside
// retention.text it must say the same. (A config file cannot warn, so the
// deprecation is only documented here and in the README; either key sets
// Config.Retention.Text.)
//
// # Strictness and problems
//
// The file is read with the yaml.v3 Node API, not decoded into structs
// directly, so that every problem carries the line of the key or item it is
// about: unknown keys, repeated keys, values of the wrong kind, aliases
// (refused: they can expand exponentially and a file this size does not
// need them) and every semantic rule. Nothing stops at the first problem:
// an invalid file gives an *Error listing them all in document order, each
// formatted as `sources[2].links (line 14): required when page is set`.
// A value the decoder already rejected is not reported again by later
// rules, and a bad entry in defaults is reported once, not once per source
// inheriting it.
//
// # Environment expansion
//
// ${NAME} in any scalar value (never in a key) is replaced by the
// variable's value from the lookup function given to Load or Parse
// (os.LookupEnv in production); $$ is a literal $, and a $ followed by
// anything else is kept as written. Expansion runs on the parsed tree
// before decoding: line numbers stay those of the file, a value can never
// change the document's structure, and an expanded value is not expanded
// again. An unset variable is an error naming the variable and where it is
// used; a variable set to "" is allowed (a required field then complains).
// Inside YAML flow collections ({...} or [...]) quote the reference,
// `{url: "${HOOK_URL}"}`, since braces are YAML syntax there.
//
// # Secrets
//
// Webhook URLs, the webhook signing secret, the Slack webhook URL, the
// SMTP password and the listen_auth bearer token and basic password are of
// type Secret, which prints and marshals as "<secret>". No problem message
// ever quotes a secret value: a Slack URL that is not https is reported
// without the URL.
//
// Every secret key X has a variant X_file (webhook.url_file,
// webhook.secret_file, slack.webhook_url_file, email.password_file,
// listen_auth.bearer_file, listen_auth.basic.password_file) naming a file
// whose contents, without trailing line breaks, are the secret. Exactly
// one of X and X_file may be given. A relative path is resolved against
// the config file's folder; ${VAR} works in it like in any value, so under
// systemd `slack: {webhook_url_file: ${CREDENTIALS_DIRECTORY}/slack-webhook}`
// reads a LoadCredential= file. The file must be a regular file of at most
// 64 KiB holding one non-empty line; it is opened without blocking, so a
// FIFO named by mistake fails instead of hanging. A missing or unreadable
// file is a problem at the X_file key naming the path and the reason
// (never the contents), and a value that breaks a rule (a Slack URL that
// is not https) is reported at X_file too. Files are read at every Load,
// so a reload picks up a rotated secret.
package config
