package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the semantic rules on c, and runs checks: what Parse
// checks after decoding, for a Config built in code. Problems carry no line
// numbers. It returns nil or an *Error listing every problem. It does not
// look at Path, Data or Defaults, which only Parse fills.
func (c *Config) Validate(checks ...Check) error {
	k := &checker{}
	k.config(c)
	k.run(c, checks)
	if len(k.problems) == 0 {
		return nil
	}
	return &Error{Problems: sortProblems(k.problems)}
}

// checker applies the semantic rules to a decoded Config. pos maps paths to
// YAML lines (nil for a Config built in code); a problem at a path with no
// line of its own, like a missing key, takes its nearest ancestor's line,
// which is the line of the enclosing mapping. skip holds paths the decoder
// already reported: nothing more is said about them or anything below.
type checker struct {
	pos  map[string]int
	skip map[string]bool
	// files maps a secret's path to the *_file key it was read through
	// (see decoder.files); nil for a Config built in code.
	files    map[string]string
	problems []Problem
}

// parent returns the path one level up: "a.b[2]" for "a.b[2].c", "a.b"
// for "a.b[2]", "" for "a".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func (k *checker) add(path, msg string) {
	line := 0
	for p := path; ; p = parent(p) {
		if k.skip[p] {
			return
		}
		if l, ok := k.pos[p]; ok && line == 0 {
			line = l
		}
		if p == "" {
			break
		}
	}
	k.problems = append(k.problems, newProblem(path, line, msg))
}

// set reports whether a field was given: a value, or one the decoder
// already found wrong (so that "required" is not said on top).
func (k *checker) set(path, v string) bool { return v != "" || k.skip[path] }

// name checks a name and its uniqueness; first maps each name seen to
// where it was first used ("line N", or the item's path without lines).
func (k *checker) name(path, name string, line int, first map[string]string) {
	switch {
	case name == "":
		k.add(path, msgRequired)
	case !validName(name):
		k.add(path, msgName)
	case first[name] != "":
		k.add(path, fmt.Sprintf("duplicate name %q (first at %s)", name, first[name]))
	default:
		first[name] = "line " + strconv.Itoa(line)
		if line == 0 {
			first[name] = parent(path)
		}
	}
}

func (k *checker) config(c *Config) {
	if len(c.Sources) == 0 {
		k.add("sources", msgRequired)
	}
	if len(c.Watches) == 0 {
		k.add("watches", msgRequired)
	}
	sources, notifiers := map[string]string{}, map[string]string{}
	for i, s := range c.Sources {
		k.source(joinIndex("sources", i), s, sources)
	}
	for i := range c.Notifiers {
		k.notifier(joinIndex("notifiers", i), &c.Notifiers[i], notifiers)
	}
	watches := map[string]string{}
	for i, w := range c.Watches {
		k.watch(joinIndex("watches", i), w, watches, sources, notifiers)
	}
	k.refs("health.notify", "notifier", c.Health.Notify, notifiers)
	k.operations(c)
}

func (k *checker) source(path string, s Source, names map[string]string) {
	k.name(path+".name", s.Name, s.Line, names)
	var given []string
	for _, f := range []struct{ key, url string }{{"feed", s.Feed}, {"page", s.Page}, {"sitemap", s.Sitemap}, {"url", s.Site}} {
		p := path + "." + f.key
		if !k.set(p, f.url) {
			continue
		}
		given = append(given, p)
		if !isHTTPURL(f.url, false) {
			k.add(p, msgHTTP)
		}
	}
	k.exactlyOne(path, given, "feed, page, sitemap or url")
	page, links := k.set(path+".page", s.Page), k.set(path+".links", s.Links)
	switch {
	case page && !links:
		k.add(path+".links", "required when page is set")
	case links && !page:
		k.add(path+".links", "only valid with page")
	case links:
		if msg := checkSelector(s.Links); msg != "" {
			k.add(path+".links", msg)
		}
	}
	if s.Schedule == "" {
		k.add(path+".schedule", msgRequired)
	} else if msg := checkSchedule(s.Schedule); msg != "" {
		k.add(path+".schedule", msg)
	}
	if s.MaxAge <= 0 {
		k.add(path+".max_age", msgPositive)
	}
	if s.Timeout <= 0 {
		k.add(path+".timeout", msgPositive)
	}
	if hasControl(s.UserAgent) {
		k.add(path+".user_agent", msgControl)
	}
}

// exactlyOne checks that exactly one of a set of alternative keys was
// given; every one after the first in the file is reported.
func (k *checker) exactlyOne(path string, given []string, choices string) {
	if len(given) == 0 {
		k.add(path, "exactly one of "+choices+" is required")
		return
	}
	slices.SortStableFunc(given, func(a, b string) int { return k.pos[a] - k.pos[b] })
	for _, p := range given[1:] {
		k.add(p, "only one of "+choices+" may be set")
	}
}

func (k *checker) watch(path string, w Watch, names, sources, notifiers map[string]string) {
	k.name(path+".name", w.Name, w.Line, names)
	k.reserved(path+".name", w.Name)
	if len(w.Entities) == 0 && len(w.Keywords) == 0 && w.Query == "" {
		k.add(path, "needs at least one entity, keyword or a query")
	}
	for i, e := range w.Entities {
		p := joinIndex(path+".entities", i)
		if strings.TrimSpace(e.Name) == "" {
			k.add(p+".name", msgEmpty)
		}
		for j, a := range e.Aliases {
			if strings.TrimSpace(a.Text) == "" {
				k.add(joinIndex(p+".aliases", j), msgEmpty)
			}
		}
		k.nonEmpty(p+".exclude", e.Exclude)
	}
	k.nonEmpty(path+".keywords", w.Keywords)
	k.refs(path+".sources", "source", w.Sources, sources)
	k.routes(path, w, notifiers)
}

func (k *checker) nonEmpty(path string, list []string) {
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			k.add(joinIndex(path, i), msgEmpty)
		}
	}
}

// refs checks that each name in list is defined in known and listed once.
func (k *checker) refs(path, what string, list []string, known map[string]string) {
	seen := map[string]bool{}
	for i, name := range list {
		p := joinIndex(path, i)
		switch {
		case known[name] == "":
			k.add(p, fmt.Sprintf("unknown %s %q", what, name))
		case seen[name]:
			k.add(p, fmt.Sprintf("duplicate %s %q", what, name))
		}
		seen[name] = true
	}
}

func (k *checker) notifier(path string, n *Notifier, names map[string]string) {
	k.name(path+".name", n.Name, n.Line, names)
	var given []string
	for _, f := range []struct {
		key string
		set bool
	}{{"webhook", n.Webhook != nil}, {"slack", n.Slack != nil}, {"email", n.Email != nil}, {"stdout", n.Stdout != nil}} {
		if f.set {
			given = append(given, path+"."+f.key)
		}
	}
	k.exactlyOne(path, given, "webhook, slack, email or stdout")
	if w := n.Webhook; w != nil {
		k.secretURL(path+".webhook.url", w.URL, false)
	}
	if s := n.Slack; s != nil {
		k.secretURL(path+".slack.webhook_url", s.WebhookURL, true)
	}
	if m := n.Email; m != nil {
		k.email(path+".email", m)
	}
	k.delivery(path, n)
}

// secretURL checks a URL that is a secret: the message never quotes it.
func (k *checker) secretURL(path string, u Secret, https bool) {
	msg := msgHTTP
	if https {
		msg = msgHTTPS
	}
	switch {
	case !k.set(path, u.Reveal()):
		k.add(path, msgRequired)
	case !isHTTPURL(u.Reveal(), https):
		k.add(k.at(path), msg)
	}
}

func (k *checker) email(path string, m *Email) {
	switch {
	case !k.set(path+".smtp", m.SMTP):
		k.add(path+".smtp", msgRequired)
	case !isHostPort(m.SMTP):
		k.add(path+".smtp", msgHostPort)
	}
	if m.TLS != "starttls" && m.TLS != "tls" && m.TLS != "none" {
		k.add(path+".tls", msgTLS)
	}
	user, pass := k.set(path+".username", m.Username), k.set(path+".password", m.Password.Reveal())
	switch {
	case user && !pass:
		k.add(path+".password", "required when username is set")
	case pass && !user:
		k.add(k.at(path+".password"), "only valid with username")
	}
	if !k.set(path+".from", m.From) {
		k.add(path+".from", msgRequired)
	} else if msg := checkAddress(m.From); msg != "" {
		k.add(path+".from", msg)
	}
	if len(m.To) == 0 {
		k.add(path+".to", msgRequired)
	}
	for i, to := range m.To {
		if msg := checkAddress(to); msg != "" {
			k.add(joinIndex(path+".to", i), msg)
		}
	}
}

// A Check is a rule whose judge lives in another package: a template must
// parse for its channel, quiet hours must be a window, a query must parse,
// a webhook secret must give a signing key. config imports none of those
// packages (it sits below every layer but is imported only by the
// composition root), so the app passes its checks to Parse, Load or
// Validate and their problems come out with the rest, in line order.
//
// report takes the path of the value, as in Problem.Path
// ("notifiers[0].template"), and a message. A problem at or below a path
// the decoder already reported is dropped, and a secret read through a
// *_file key is reported at that key.
type Check func(c *Config, report func(path, msg string))

// run applies checks to c, recording what they report.
func (k *checker) run(c *Config, checks []Check) {
	for _, check := range checks {
		check(c, func(path, msg string) { k.add(k.at(path), msg) })
	}
}
