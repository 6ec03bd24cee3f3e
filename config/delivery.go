package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
	"go.yaml.in/yaml/v3"
)

// Delivery defaults.
const (
	// DefaultMaxQueueAge is how long an alert may wait in the outbox,
	// counted from when it first fell due, before it becomes a dead letter.
	// It is notify.DefaultMaxQueueAge, copied because importing notify
	// would pull the store (and bbolt) into every user of config.
	DefaultMaxQueueAge = 48 * time.Hour
	// DefaultSlackInterval is Slack's rate limit: about one message a
	// second per incoming webhook.
	DefaultSlackInterval = time.Second
	// NoDigest, as a digest, means "each alert at once": on a watch's route
	// it overrides a notifier's digest.
	NoDigest = "none"
)

// Messages of the delivery rules.
const (
	msgRateLimit = "must be N/s, N/m or N/h with N a whole number greater than zero (e.g. 1/s), or none"
	msgRoutes    = "Routes and Notify name different notifiers"
)

// Route is one entry of a watch's notify list: the notifier and, for a
// digest, when it goes out.
type Route struct {
	Notifier string
	// Digest is "" for the notifier's own digest setting, NoDigest for
	// immediate delivery even through a digest notifier, or a cron spec
	// (cron.ParseStandard) that overrides the notifier's.
	Digest string
}

// Deliveries returns the watch's routes: Routes when set, else one route
// with the notifier's own setting per name in Notify (a Watch built in
// code may set only Notify).
func (w Watch) Deliveries() []Route {
	if len(w.Routes) > 0 {
		return w.Routes
	}
	out := make([]Route, len(w.Notify))
	for i, n := range w.Notify {
		out[i] = Route{Notifier: n}
	}
	return out
}

// DigestSpec returns the cron spec on which alerts through this route to
// n go out as a digest, or "" when they go at once: the route's own digest
// when set, else the notifier's.
func (r Route) DigestSpec(n Notifier) string {
	spec := r.Digest
	if spec == "" {
		spec = n.Digest
	}
	if spec == NoDigest {
		return ""
	}
	return spec
}

// parseRate reads a rate limit, "N/s", "N/m" or "N/h", as the least time
// between two messages; "none" is 0 (no limit).
func parseRate(s string) (time.Duration, bool) {
	if s == NoDigest {
		return 0, true
	}
	num, unit, ok := strings.Cut(s, "/")
	var per time.Duration
	switch unit {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	}
	n, err := strconv.Atoi(num)
	if !ok || per == 0 || err != nil || n <= 0 || strings.Trim(num, "0123456789") != "" || time.Duration(n) > per {
		return 0, false
	}
	return per / time.Duration(n), true
}

// delivery decodes the keys every notifier kind shares (digest, quiet,
// rate_limit, max_queue_age, template); it reports whether key was one.
// rate holds the rate_limit entry, applied by finishDelivery once the
// notifier's kind (which picks the default) is known.
func (d *decoder) delivery(e entry, n *Notifier, rate *entry) bool {
	switch e.key {
	case "digest":
		n.Digest = strings.TrimSpace(d.str(e))
	case "quiet":
		if v := d.str(e); !d.skip[e.path] {
			n.Quiet = v
		}
	case "rate_limit":
		*rate = e
	case "max_queue_age":
		if v, ok := d.duration(e); ok {
			if v <= 0 {
				d.bad(e.path, e.line, msgPositive)
			} else {
				n.MaxQueueAge = v
			}
		}
	case "template":
		n.Template = d.str(e)
	default:
		return false
	}
	return true
}

// finishDelivery applies the defaults that depend on the notifier's kind.
func (d *decoder) finishDelivery(n *Notifier, rate entry) {
	if n.MaxQueueAge == 0 {
		n.MaxQueueAge = DefaultMaxQueueAge
	}
	if n.Slack != nil {
		n.MinInterval = DefaultSlackInterval
	}
	if rate.val == nil {
		return
	}
	v := strings.TrimSpace(d.str(rate))
	if v == "" || d.skip[rate.path] {
		return
	}
	iv, ok := parseRate(v)
	if !ok {
		d.bad(rate.path, rate.line, msgRateLimit)
		return
	}
	n.MinInterval = iv
}

// route decodes one item of a watch's notify list: a notifier name, or
// {notifier: NAME, digest: SPEC|none}.
func (d *decoder) route(it entry) Route {
	switch it.val.Kind {
	case yaml.ScalarNode:
		return Route{Notifier: d.str(it)}
	case yaml.SequenceNode:
		d.bad(it.path, it.line, "must be a string or a mapping")
		return Route{}
	}
	var r Route
	named := false
	for _, e := range d.mapping(it) {
		switch e.key {
		case "notifier":
			r.Notifier, named = d.str(e), true
		case "digest":
			r.Digest = strings.TrimSpace(d.str(e))
		default:
			d.unknown(e)
		}
	}
	if !named && !d.skip[it.path] {
		// Reported here, where the item's line is known; the checker then
		// says nothing more about the item.
		d.report(it.path+".notifier", it.line, msgRequired)
		d.skip[it.path] = true
	}
	return r
}

// delivery checks a notifier's digest, rate and queue age. Its quiet
// hours and template are read by other packages and so checked by the
// Checks the app passes to Parse.
func (k *checker) delivery(path string, n *Notifier) {
	if n.Digest != "" && n.Digest != NoDigest && !k.skip[path+".digest"] {
		if msg := checkSchedule(n.Digest); msg != "" {
			k.add(path+".digest", msg)
		}
	}
	if n.MinInterval < 0 {
		k.add(path+".rate_limit", msgRateLimit)
	}
	if n.MaxQueueAge < 0 {
		k.add(path+".max_queue_age", msgPositive)
	}
}

// routes checks a watch's notify list: known notifiers, each once, and
// digest specs that parse. The names themselves are in w.Notify.
func (k *checker) routes(path string, w Watch, notifiers map[string]string) {
	if len(w.Notify) == 0 {
		k.add(path+".notify", msgRequired)
	}
	k.refs(path+".notify", "notifier", w.Notify, notifiers)
	if len(w.Routes) == 0 {
		return
	}
	if len(w.Routes) != len(w.Notify) {
		k.add(path+".notify", msgRoutes)
		return
	}
	for i, r := range w.Routes {
		p := joinIndex(path+".notify", i)
		if r.Notifier != w.Notify[i] {
			k.add(p, msgRoutes)
			continue
		}
		if r.Digest != "" && r.Digest != NoDigest && !k.skip[p+".digest"] {
			if msg := checkSchedule(r.Digest); msg != "" {
				k.add(p+".digest", msg)
			}
		}
	}
}

// reserved reports a watch named like one of newshound's own notices.
func (k *checker) reserved(path, name string) {
	if news.IsNotice(name) {
		k.add(path, fmt.Sprintf("%q is reserved for newshound's own notices", name))
	}
}
