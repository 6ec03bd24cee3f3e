package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/newshound/newshound/news"
)

// decoder turns the expanded YAML tree into a Config. It owns the
// structural rules: known keys only, each key once, the right YAML kind for
// each value, durations that parse, a valid defaults block. Each value's
// line is recorded in pos under its path so that the checker, which sees
// only the Config, can still point at the file. Paths reported here go into
// skip, so that the checker does not report the same value twice.
type decoder struct {
	pos      map[string]int
	skip     map[string]bool
	problems []Problem
	// dir is the folder relative *_file paths are resolved against: the
	// config file's.
	dir string
	// files maps the path of a secret read from a file (notifiers[0].slack.webhook_url)
	// to the path of the key that named the file (….webhook_url_file).
	files map[string]string
}

// entry is one mapping key with its value, or one sequence item.
type entry struct {
	key  string
	path string
	line int // the key's line, or the item's
	val  *yaml.Node
}

// report adds a problem.
func (d *decoder) report(path string, line int, msg string) {
	d.problems = append(d.problems, newProblem(path, line, msg))
}

// bad adds a problem about the value at path, which the checker then
// leaves alone.
func (d *decoder) bad(path string, line int, msg string) {
	d.report(path, line, msg)
	d.skip[path] = true
}

func (d *decoder) unknown(e entry) { d.bad(e.path, e.line, "unknown key") }

// isNull reports whether n is an absent value (a missing section, `key:`,
// `~`, `null`).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindOK reports a value of the wrong YAML kind. Aliases are refused
// outright: following them would let a small file expand exponentially,
// and a config this size gains nothing from them.
func (d *decoder) kindOK(e entry, kind yaml.Kind, msg string) bool {
	switch {
	case e.val.Kind == yaml.AliasNode:
		d.bad(e.path, e.line, "YAML aliases are not supported")
		return false
	case e.val.Kind != kind:
		d.bad(e.path, e.line, msg)
		return false
	}
	return true
}

// mapping returns the entries of a mapping value, in document order. A
// null value is an empty mapping. Duplicate keys are reported, and only the
// first is kept.
func (d *decoder) mapping(e entry) []entry {
	if isNull(e.val) || !d.kindOK(e, yaml.MappingNode, "must be a mapping") {
		return nil
	}
	first := map[string]int{}
	var out []entry
	for i := 0; i+1 < len(e.val.Content); i += 2 {
		k, v := e.val.Content[i], e.val.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.report(e.path, k.Line, "keys must be strings")
			continue
		}
		f := entry{key: k.Value, path: joinKey(e.path, k.Value), line: k.Line, val: v}
		if at, dup := first[k.Value]; dup {
			d.report(f.path, f.line, fmt.Sprintf("duplicate key (first at line %d)", at))
			continue
		}
		first[k.Value] = k.Line
		d.pos[f.path] = f.line
		out = append(out, f)
	}
	return out
}

// sequence returns the items of a list value. A null value is empty.
func (d *decoder) sequence(e entry) []entry {
	if isNull(e.val) || !d.kindOK(e, yaml.SequenceNode, "must be a list") {
		return nil
	}
	out := make([]entry, len(e.val.Content))
	for i, item := range e.val.Content {
		out[i] = entry{path: joinIndex(e.path, i), line: item.Line, val: item}
		d.pos[out[i].path] = item.Line
	}
	return out
}

// str returns a scalar's text ("" for null). Any scalar is accepted, as
// yaml.v3 does when decoding into a string: `name: 2024` is the name
// "2024".
func (d *decoder) str(e entry) string {
	if isNull(e.val) || !d.kindOK(e, yaml.ScalarNode, "must be a string") {
		return ""
	}
	return e.val.Value
}

func (d *decoder) strings(e entry, trim bool) []string {
	items := d.sequence(e)
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s := d.str(it)
		if trim {
			s = strings.TrimSpace(s)
		}
		out = append(out, s)
	}
	return out
}

// duration parses a duration value; ok is false when the value is absent
// or was already reported.
func (d *decoder) duration(e entry) (v time.Duration, ok bool) {
	s := d.str(e)
	if s == "" || d.skip[e.path] {
		return 0, false
	}
	v, err := news.ParseDuration(s)
	if err != nil {
		d.bad(e.path, e.line, "must be a duration like 90m, 72h or 3d")
		return 0, false
	}
	return v, true
}

// config decodes the document. The defaults block is decoded first,
// wherever it stands, because sources inherit from it.
func (d *decoder) config(root *yaml.Node) *Config {
	c := &Config{
		Retention: Retention{Seen: DefaultRetentionSeen, Alerts: DefaultRetentionAlerts, Text: DefaultRetentionText},
		Crawl: Crawl{MaxInFlight: DefaultMaxInFlight, PerHost: DefaultPerHost, HostDelay: DefaultHostDelay,
			RobotsTTL: DefaultRobotsTTL, MaxBackoff: DefaultMaxBackoff},
		Health: Health{Threshold: DefaultHealthThreshold},
		Defaults: Defaults{Schedule: DefaultSchedule, MaxAge: DefaultMaxAge, Timeout: DefaultTimeout,
			PassTimeout: DefaultPassTimeout}}
	sections := map[string]entry{}
	var keepText entry
	for _, e := range d.mapping(entry{line: root.Line, val: root}) {
		switch e.key {
		case "data":
			c.Data = d.str(e)
		case "keep_text":
			keepText = e // after retention, wherever that stands
		case "retention":
			d.retention(e, &c.Retention)
		case "listen":
			c.Listen = strings.TrimSpace(d.str(e))
		case "listen_auth":
			if !isNull(e.val) {
				c.ListenAuth = d.listenAuth(e)
			}
		case "crawl":
			d.crawl(e, &c.Crawl)
		case "metrics":
			d.metrics(e, &c.Metrics)
		case "health":
			d.health(e, &c.Health)
		case "defaults", "sources", "watches", "notifiers":
			sections[e.key] = e
		default:
			d.unknown(e)
		}
	}
	if keepText.val != nil {
		d.keepText(keepText, c)
	}
	if e, ok := sections["defaults"]; ok {
		d.defaults(e, &c.Defaults)
	}
	for _, it := range d.sequence(sections["sources"]) {
		c.Sources = append(c.Sources, d.source(it, c.Defaults))
	}
	for _, it := range d.sequence(sections["watches"]) {
		c.Watches = append(c.Watches, d.watch(it))
	}
	for _, it := range d.sequence(sections["notifiers"]) {
		c.Notifiers = append(c.Notifiers, d.notifier(it))
	}
	return c
}

// defaults decodes and checks the defaults block. An invalid value is
// reported here once and not applied, so sources inherit the built-in
// default instead of repeating the problem.
func (d *decoder) defaults(e entry, def *Defaults) {
	for _, f := range d.mapping(e) {
		switch f.key {
		case "schedule":
			if v := d.str(f); v != "" && !d.skip[f.path] {
				if msg := checkSchedule(v); msg != "" {
					d.bad(f.path, f.line, msg)
				} else {
					def.Schedule = v
				}
			}
		case "max_age", "timeout", "pass_timeout":
			v, ok := d.duration(f)
			switch {
			case !ok:
			case v <= 0:
				d.bad(f.path, f.line, msgPositive)
			case f.key == "max_age":
				def.MaxAge = v
			case f.key == "pass_timeout":
				def.PassTimeout = v
			default:
				def.Timeout = v
			}
		case "user_agent":
			if v := d.str(f); hasControl(v) {
				d.bad(f.path, f.line, msgControl)
			} else {
				def.UserAgent = v
			}
		default:
			d.unknown(f)
		}
	}
}

func (d *decoder) source(it entry, def Defaults) Source {
	s := Source{Line: it.line, Schedule: def.Schedule, MaxAge: def.MaxAge, Timeout: def.Timeout, UserAgent: def.UserAgent,
		PassTimeout: def.PassTimeout, Robots: true, MaxItems: DefaultMaxItems, MaxAlerts: DefaultMaxAlerts}
	for _, e := range d.mapping(it) {
		switch e.key {
		case "name":
			s.Name = d.str(e)
		case "feed":
			s.Feed = d.str(e)
		case "page":
			s.Page = d.str(e)
		case "sitemap":
			s.Sitemap = d.str(e)
		case "url":
			s.Site = d.str(e)
		case "robots":
			if v, ok := d.boolean(e); ok {
				s.Robots = v
			}
		case "max_items":
			if v := d.count(e); v > 0 {
				s.MaxItems = v
			}
		case "max_alerts":
			if v := d.count(e); v > 0 {
				s.MaxAlerts = v
			}
		case "pass_timeout":
			if v, ok := d.duration(e); ok {
				s.PassTimeout = v
			}
		case "links":
			s.Links = d.str(e)
		case "schedule":
			if v := d.str(e); v != "" {
				s.Schedule = v
			}
		case "user_agent":
			if v := d.str(e); v != "" {
				s.UserAgent = v
			}
		case "max_age":
			if v, ok := d.duration(e); ok {
				s.MaxAge = v
			}
		case "timeout":
			if v, ok := d.duration(e); ok {
				s.Timeout = v
			}
		default:
			d.unknown(e)
		}
	}
	return s
}

func (d *decoder) watch(it entry) Watch {
	w := Watch{Line: it.line}
	for _, e := range d.mapping(it) {
		switch e.key {
		case "name":
			w.Name = d.str(e)
		case "entities":
			for _, ent := range d.sequence(e) {
				w.Entities = append(w.Entities, d.entity(ent))
			}
		case "keywords":
			w.Keywords = d.strings(e, true)
		case "query":
			w.Query = strings.TrimSpace(d.str(e))
		case "min_mentions":
			w.MinMentions = d.count(e)
		case "sources":
			w.Sources = d.strings(e, false)
		case "notify":
			for _, it := range d.sequence(e) {
				r := d.route(it)
				w.Notify = append(w.Notify, r.Notifier)
				w.Routes = append(w.Routes, r)
			}
		default:
			d.unknown(e)
		}
	}
	return w
}

// entity decodes an entity: a plain string is shorthand for one without
// aliases.
func (d *decoder) entity(it entry) Entity {
	name, fields := d.shorthand(it)
	ent := Entity{Name: name}
	for _, e := range fields {
		switch e.key {
		case "name":
			ent.Name = strings.TrimSpace(d.str(e))
		case "case":
			ent.CaseSensitive = d.caseMode(e)
		case "aliases":
			for _, a := range d.sequence(e) {
				ent.Aliases = append(ent.Aliases, d.alias(a))
			}
		case "exclude":
			ent.Exclude = d.strings(e, true)
		default:
			d.unknown(e)
		}
	}
	return ent
}

// shorthand reads an item written either as a plain string (the short
// form, returned trimmed) or as a mapping (its entries returned); a list is
// reported and gives neither.
func (d *decoder) shorthand(it entry) (short string, fields []entry) {
	switch it.val.Kind {
	case yaml.ScalarNode:
		return strings.TrimSpace(d.str(it)), nil
	case yaml.SequenceNode:
		d.bad(it.path, it.line, "must be a string or a mapping")
		return "", nil
	}
	return "", d.mapping(it)
}

// alias decodes an alias: a plain string, or {text, case}.
func (d *decoder) alias(it entry) Alias {
	text, fields := d.shorthand(it)
	a := Alias{Text: text}
	for _, e := range fields {
		switch e.key {
		case "text":
			a.Text = strings.TrimSpace(d.str(e))
		case "case":
			a.CaseSensitive = d.caseMode(e)
		default:
			d.unknown(e)
		}
	}
	return a
}

// crawl decodes the crawl block; an invalid value is reported and the
// default kept.
func (d *decoder) crawl(e entry, c *Crawl) {
	for _, f := range d.mapping(e) {
		switch f.key {
		case "max_in_flight":
			if v := d.count(f); v > 0 {
				c.MaxInFlight = v
			}
		case "per_host":
			if v := d.count(f); v > 0 {
				c.PerHost = v
			}
		case "host_delay", "robots_ttl", "max_backoff":
			v, ok := d.duration(f)
			switch {
			case !ok:
			case v < 0 || (v == 0 && f.key != "host_delay"):
				d.bad(f.path, f.line, msgPositive)
			case f.key == "host_delay":
				c.HostDelay = v
			case f.key == "robots_ttl":
				c.RobotsTTL = v
			default:
				c.MaxBackoff = v
			}
		default:
			d.unknown(f)
		}
	}
}

// health decodes the health block.
func (d *decoder) health(e entry, h *Health) {
	h.Line = e.line
	for _, f := range d.mapping(e) {
		switch f.key {
		case "notify":
			h.Notify = d.strings(f, false)
		case "threshold":
			if v := d.count(f); v > 0 {
				h.Threshold = v
			}
		default:
			d.unknown(f)
		}
	}
}

// metrics decodes the metrics block.
func (d *decoder) metrics(e entry, m *Metrics) {
	m.Line = e.line
	for _, f := range d.mapping(e) {
		switch f.key {
		case "per_source":
			m.PerSource, _ = d.boolean(f)
		case "pprof":
			m.Pprof, _ = d.boolean(f)
		default:
			d.unknown(f)
		}
	}
}

// boolean reads true or false; ok is false when absent or reported.
func (d *decoder) boolean(e entry) (v, ok bool) {
	s := d.str(e)
	if s == "" || d.skip[e.path] {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.bad(e.path, e.line, "must be true or false")
	return false, false
}

// caseMode reads `case: sensitive | insensitive`.
func (d *decoder) caseMode(e entry) bool {
	switch v := d.str(e); v {
	case "", "insensitive":
		return false
	case "sensitive":
		return true
	default:
		if !d.skip[e.path] {
			d.bad(e.path, e.line, "must be sensitive or insensitive")
		}
		return false
	}
}

// count reads a positive whole number (0 when absent or reported).
func (d *decoder) count(e entry) int {
	v := d.str(e)
	if v == "" || d.skip[e.path] {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		d.bad(e.path, e.line, "must be a whole number greater than zero")
		return 0
	}
	return n
}

func (d *decoder) notifier(it entry) Notifier {
	n := Notifier{Line: it.line}
	var rate entry
	for _, e := range d.mapping(it) {
		if d.delivery(e, &n, &rate) {
			continue
		}
		switch e.key {
		case "name":
			n.Name = d.str(e)
		case "webhook":
			n.Webhook = d.webhook(e)
		case "slack":
			n.Slack = d.slack(e)
		case "email":
			n.Email = d.email(e)
		case "stdout":
			n.Stdout = &Stdout{}
			for _, f := range d.mapping(e) {
				d.unknown(f)
			}
		default:
			d.unknown(e)
		}
	}
	d.finishDelivery(&n, rate)
	return n
}

func (d *decoder) webhook(e entry) *Webhook {
	w := &Webhook{}
	secrets := map[string]entry{}
	for _, f := range d.mapping(e) {
		switch f.key {
		case "url", "url_file", "secret", "secret_file":
			secrets[f.key] = f
		default:
			d.unknown(f)
		}
	}
	w.URL = d.secret(e.path, "url", secrets)
	w.Secret = d.secret(e.path, "secret", secrets)
	return w
}

func (d *decoder) slack(e entry) *Slack {
	s := &Slack{}
	secrets := map[string]entry{}
	for _, f := range d.mapping(e) {
		switch f.key {
		case "webhook_url", "webhook_url_file":
			secrets[f.key] = f
		default:
			d.unknown(f)
		}
	}
	s.WebhookURL = d.secret(e.path, "webhook_url", secrets)
	return s
}

func (d *decoder) email(e entry) *Email {
	m := &Email{TLS: DefaultTLS}
	secrets := map[string]entry{}
	for _, f := range d.mapping(e) {
		switch f.key {
		case "smtp":
			m.SMTP = d.str(f)
		case "tls":
			if v := d.str(f); v != "" {
				m.TLS = v
			}
		case "username":
			m.Username = d.str(f)
		case "password", "password_file":
			secrets[f.key] = f
		case "from":
			m.From = d.str(f)
		case "to":
			m.To = d.strings(f, false)
		default:
			d.unknown(f)
		}
	}
	m.Password = d.secret(e.path, "password", secrets)
	return m
}
