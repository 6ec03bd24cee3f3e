package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "time/tzdata" // CRON_TZ= must work on images without /usr/share/zoneinfo.

	"go.yaml.in/yaml/v3"
)

// Built-in defaults, used where neither the defaults block nor a source
// says otherwise.
const (
	DefaultData     = "newshound.db"
	DefaultSchedule = "@every 15m"
	DefaultMaxAge   = 72 * time.Hour
	DefaultTimeout  = 30 * time.Second
	DefaultTLS      = "starttls"
	// DefaultKeepText is DefaultRetentionText under its older name.
	DefaultKeepText = DefaultRetentionText

	// Crawl politeness defaults.
	DefaultMaxInFlight = 8
	DefaultPerHost     = 2
	DefaultHostDelay   = time.Second
	DefaultRobotsTTL   = 24 * time.Hour
	DefaultMaxBackoff  = 6 * time.Hour
	// DefaultMaxItems caps the new articles fetched from one source in one
	// run; the rest wait for the next run.
	DefaultMaxItems = 200
	// DefaultMaxAlerts caps the alerts one source queues in one run; the
	// rest are stored, shown, and summarised in one notice.
	DefaultMaxAlerts = 100
	// DefaultPassTimeout is the wall-time budget of one run of one source:
	// articles not fetched by then wait for the next run.
	DefaultPassTimeout = 10 * time.Minute
	// DefaultHealthThreshold is how many failed or empty runs in a row make
	// a source unhealthy.
	DefaultHealthThreshold = 3
)

// Config is a loaded and validated configuration. A *Config returned by
// Load or Parse satisfies every rule in the package documentation.
type Config struct {
	Path string // absolute path of the file loaded ("" when parsed from bytes without a path)
	Data string // absolute path of the bbolt file after resolution
	// Retention is how long the daily prune keeps seen keys, alerts and
	// article texts (retention:).
	Retention Retention
	// Listen is the HTTP server's host:port (listen:); "" means no
	// server. A non-loopback address requires ListenAuth.
	Listen string
	// ListenAuth is the authentication the HTTP server demands
	// (listen_auth:); nil means none, allowed on loopback only.
	ListenAuth *ListenAuth
	// Metrics says what /metrics exports beyond the default set and
	// whether the profiling handlers are served (metrics:).
	Metrics   Metrics
	Crawl     Crawl
	Health    Health
	Defaults  Defaults
	Sources   []Source // with defaults applied (Schedule, MaxAge, UserAgent, Timeout always filled)
	Watches   []Watch
	Notifiers []Notifier
}

// Metrics is the metrics: block.
type Metrics struct {
	// PerSource exports every source series with its source label
	// (per_source: true). Off, only newshound_source_healthy and the
	// failed runs of a source that failed carry the label; the rest is
	// summed over all sources, so a scrape stays small at 10,000 sources.
	PerSource bool
	// Pprof serves net/http/pprof under /debug/pprof/ (pprof: true); it
	// requires listen and listen_auth.
	Pprof bool
	Line  int
}

// Crawl holds the politeness limits shared by every source (`crawl:`).
type Crawl struct {
	MaxInFlight int           // requests in flight over all sources (max_in_flight)
	PerHost     int           // requests in flight to one host (per_host)
	HostDelay   time.Duration // least time between two requests to one host (host_delay)
	RobotsTTL   time.Duration // how long a robots.txt is cached (robots_ttl)
	MaxBackoff  time.Duration // ceiling of a failing source's back-off (max_backoff)
}

// Health says when a source counts as unhealthy and who hears about it
// (`health:`).
type Health struct {
	Notify    []string // notifier names; empty: health changes are only logged
	Threshold int      // consecutive failed or empty runs (threshold)
	Line      int
}

// Defaults are the effective defaults: the file's defaults block over the
// built-in ones.
type Defaults struct {
	Schedule        string
	MaxAge, Timeout time.Duration
	PassTimeout     time.Duration
	UserAgent       string // "" means the crawler's own default
}

// Source is one place to crawl: a feed, an HTML listing page (with the CSS
// selector of its article links) or a news sitemap. Exactly one of Feed,
// Page and Sitemap is set.
type Source struct {
	Name, Feed, Page, Sitemap, Links, Schedule, UserAgent string
	// Site is a web page whose <link rel="alternate"> feed is used
	// (`url:`, feed autodiscovery).
	Site            string
	MaxAge, Timeout time.Duration
	// Robots is false when the source opts out of robots.txt (robots: false).
	Robots bool
	// MaxItems caps the new items handled per run (max_items): pages
	// fetched, and items without a link taken from the listing alike.
	MaxItems int
	// MaxAlerts caps the alerts queued per run (max_alerts); the rest are
	// stored without delivery and summarised in one notice. 0 means
	// DefaultMaxAlerts.
	MaxAlerts int
	// PassTimeout is the wall-time budget of one run (pass_timeout); 0
	// means DefaultPassTimeout.
	PassTimeout time.Duration
	Line        int // YAML line of the item, for messages
}

// Kind reports which kind of source s is: "feed", "page", "sitemap" or
// "site" (a page to discover a feed on); "" for an invalid source.
func (s Source) Kind() string {
	switch {
	case s.Feed != "":
		return "feed"
	case s.Page != "":
		return "page"
	case s.Sitemap != "":
		return "sitemap"
	case s.Site != "":
		return "site"
	}
	return ""
}

// URL returns the source's feed, page, sitemap or site URL, whichever is
// set.
func (s Source) URL() string {
	switch {
	case s.Feed != "":
		return s.Feed
	case s.Page != "":
		return s.Page
	case s.Sitemap != "":
		return s.Sitemap
	}
	return s.Site
}

// Watch is a set of entities and keywords to look for, the sources it
// applies to and the notifiers its alerts go to.
type Watch struct {
	Name     string
	Entities []Entity
	Keywords []string // trimmed
	// Query is the watch's boolean query (package matcher/query syntax),
	// "" for none: the watch then fires on any entity or keyword.
	Query string
	// MinMentions is the least total number of hits of the watch's terms
	// for it to fire; 0 means no minimum.
	MinMentions int
	Sources     []string // empty means every source
	// Notify names the notifiers the watch's alerts go to, in the order
	// listed; Routes has the same notifiers with their digest settings.
	Notify []string
	Routes []Route
	Line   int
}

// AppliesTo reports whether the watch applies to the named source: true
// when Sources is empty or contains source.
func (w Watch) AppliesTo(source string) bool {
	return len(w.Sources) == 0 || slices.Contains(w.Sources, source)
}

// Entity is a named thing to watch for under any of its spellings. Name
// and Aliases are trimmed.
type Entity struct {
	Name string
	// CaseSensitive makes the name itself match only in its exact letter
	// case (`case: sensitive` on the entity).
	CaseSensitive bool
	Aliases       []Alias
	// Exclude lists phrases that cancel a hit of this entity where they
	// cover it, e.g. "Isis River" for ISIS.
	Exclude []string
}

// Alias is one more spelling of an entity. In YAML it is a plain string,
// or {text: IS, case: sensitive} for a spelling that must match in its
// exact letter case (an acronym that is also an ordinary word).
type Alias struct {
	Text          string
	CaseSensitive bool
}

// Notifier is one alert channel. Exactly one of its channel pointers is
// set; the other fields say when and how it delivers.
type Notifier struct {
	Name    string
	Webhook *Webhook
	Slack   *Slack
	Email   *Email
	Stdout  *Stdout
	// Digest is the cron spec (cron.ParseStandard) at which alerts routed
	// to this notifier go out collected in one message; "" or NoDigest:
	// each alert at once. A watch's route may override it.
	Digest string
	// Quiet is the notifier's quiet hours as written (quiet: "22:00-07:00
	// Europe/Berlin"); "" is none. The notify/quiet package reads it: the
	// app parses it when it checks the config and when it builds the
	// channel.
	Quiet string `json:"-"`
	// MinInterval is the least time between two messages (rate_limit);
	// 0 is no limit. Parse sets DefaultSlackInterval for Slack.
	MinInterval time.Duration
	// MaxQueueAge is how long an alert may wait before it becomes a dead
	// letter (max_queue_age). Parse sets DefaultMaxQueueAge; 0 in a
	// Config built in code means the same.
	MaxQueueAge time.Duration
	// Template is the operator's template source ("" for the built-in
	// format); the app parses it for the channel's kind.
	Template string
	Line     int
}

// Kind reports the notifier's channel: "webhook", "slack", "email" or
// "stdout" ("" for an invalid notifier).
func (n Notifier) Kind() string {
	switch {
	case n.Webhook != nil:
		return "webhook"
	case n.Slack != nil:
		return "slack"
	case n.Email != nil:
		return "email"
	case n.Stdout != nil:
		return "stdout"
	}
	return ""
}

// Webhook posts signed JSON. URL is a Secret because webhook URLs often
// embed tokens.
type Webhook struct {
	URL    Secret
	Secret Secret // HMAC key; empty means unsigned
}

// Slack posts to a Slack incoming webhook, whose URL is the credential.
type Slack struct {
	WebhookURL Secret
}

// Email sends alerts over SMTP. TLS is "starttls" (the default), "tls" or
// "none"; From and To hold the addresses as written, each accepted by
// net/mail.ParseAddress.
type Email struct {
	SMTP     string // host:port
	TLS      string
	Username string
	Password Secret
	From     string
	To       []string
}

// Stdout writes one line per alert to standard output.
type Stdout struct{}

// SourceByName returns the source with the given name.
func (c *Config) SourceByName(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Problem is one thing wrong with a configuration.
type Problem struct {
	Path    string // like `sources[2].links`; "" for the document as a whole
	Line    int    // 1-based YAML line; 0 when unknown
	Message string
}

// String formats p as "path (line N): message", leaving out what is unknown.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Path)
	if p.Line > 0 {
		if p.Path != "" {
			b.WriteString(" (line " + strconv.Itoa(p.Line) + ")")
		} else {
			b.WriteString("line " + strconv.Itoa(p.Line))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is returned by Load, Parse and Validate for an invalid
// configuration. It lists every problem found, in document order.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads and parses the configuration file at path. lookupEnv resolves
// ${VAR} references; pass os.LookupEnv in production. An invalid file gives
// an *Error.
func Load(path string, lookupEnv func(string) (string, bool), checks ...Check) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(data, path, lookupEnv, checks...)
}

// Parse parses and validates a configuration. path names the file the data
// came from: Config.Path is its absolute form and a relative `data` path is
// resolved against its folder (against the working directory when path is
// ""). An invalid configuration gives an *Error listing every problem:
// those of the package's own rules and those the checks report, each at its
// line.
func Parse(data []byte, path string, lookupEnv func(string) (string, bool), checks ...Check) (*Config, error) {
	if lookupEnv == nil {
		return nil, errors.New("parse config: lookupEnv is nil")
	}
	abs, dir, err := resolve(path)
	if err != nil {
		return nil, err
	}
	root, problems := parseYAML(data)
	if root == nil {
		return nil, &Error{Problems: problems}
	}
	skip := expandTree(root, lookupEnv, &problems)
	d := &decoder{pos: map[string]int{}, skip: skip, problems: problems, dir: dir, files: map[string]string{}}
	c := d.config(root)
	k := &checker{pos: d.pos, skip: skip, files: d.files, problems: d.problems}
	k.config(c)
	k.run(c, checks)
	if len(k.problems) > 0 {
		return nil, &Error{Problems: sortProblems(k.problems)}
	}
	c.Path = abs
	if c.Data == "" {
		c.Data = DefaultData
	}
	if !filepath.IsAbs(c.Data) {
		c.Data = filepath.Join(dir, c.Data)
	}
	return c, nil
}

// resolve returns the absolute form of path ("" for "") and the folder
// that relative paths in it are resolved against.
func resolve(path string) (abs, dir string, err error) {
	if path == "" {
		dir, err = filepath.Abs(".")
	} else if abs, err = filepath.Abs(path); err == nil {
		dir = filepath.Dir(abs)
	}
	if err != nil {
		return "", "", fmt.Errorf("parse config: resolve path: %w", err)
	}
	return abs, dir, nil
}

// yamlLine picks the line number out of a yaml.v3 syntax error.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// parseYAML reads exactly one YAML document. It returns the document's
// top node (nil with problems on a syntax error), or an empty mapping for
// an empty file.
func parseYAML(data []byte) (root *yaml.Node, problems []Problem) {
	defer func() {
		// A parser panic must not take the daemon down on a reload.
		if r := recover(); r != nil {
			root, problems = nil, []Problem{{Message: "invalid YAML: parser failed"}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}, nil
		}
		return nil, []Problem{syntaxProblem(err)}
	}
	for {
		// Empty documents after the first (a trailing "---") are harmless.
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, []Problem{syntaxProblem(err)}
		}
		if len(next.Content) != 1 || !isNull(next.Content[0]) {
			return nil, []Problem{{Line: next.Line, Message: "only one YAML document is allowed"}}
		}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

func syntaxProblem(err error) Problem {
	msg := err.Error()
	p := Problem{}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	p.Message = escapeControls("invalid YAML: " + msg)
	return p
}

// newProblem builds a Problem. Paths are made of keys from the file and
// messages may quote values, so both have their control characters
// escaped: each problem stays on one line.
func newProblem(path string, line int, msg string) Problem {
	return Problem{Path: escapeControls(path), Line: line, Message: escapeControls(msg)}
}

// escapeControls writes the control characters in s as Go escapes (\n,
// \x1b), so a problem stays on one line and still shows what the file
// holds; unlike textsafe.Flatten it keeps them visible to the operator
// fixing the file.
func escapeControls(msg string) string {
	if !hasControl(msg) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		if r < 0x20 || r == 0x7f {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sortProblems orders problems by line, keeping the order in which they
// were found within a line (and for problems without a line).
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return ps
}
