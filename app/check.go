package app

import (
	"strconv"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher/query"
	"github.com/newshound/newshound/notify/whsec"
)

// ConfigChecks are the rules of a configuration whose judges live below
// the config package: quiet hours, templates and webhook signing secrets
// are checked by the same functions the channels are built with, and
// queries by the parser the matcher compiles them with, so a file that
// `check` accepts is one `run` starts with. config runs them beside its own
// rules, each problem at its YAML line.
var ConfigChecks = []config.Check{checkWatches, checkNotifiers}

// LoadConfig reads, parses and checks the configuration file at path:
// config.Load with ConfigChecks. The daemon and every command load their
// configuration through here.
func LoadConfig(path string, lookupEnv func(string) (string, bool)) (*config.Config, error) {
	return config.Load(path, lookupEnv, ConfigChecks...)
}

// ParseConfig is LoadConfig for data already read; path names the file it
// came from (see config.Parse).
func ParseConfig(data []byte, path string, lookupEnv func(string) (string, bool)) (*config.Config, error) {
	return config.Parse(data, path, lookupEnv, ConfigChecks...)
}

// checkWatches checks each watch's query with the parser MatcherWatches
// uses; the error names the column.
func checkWatches(c *config.Config, report func(path, msg string)) {
	for i, w := range c.Watches {
		if w.Query == "" {
			continue
		}
		if _, err := query.Parse(w.Query); err != nil {
			report("watches["+strconv.Itoa(i)+"].query", err.Error())
		}
	}
}

// checkNotifiers checks what NewChannel would refuse of each notifier:
// its quiet hours, its template (parsed, and rendered with sample alerts,
// for the channel's kind) and a webhook's signing secret (judged by
// whsec.Key, which the webhook channel derives its key with when it
// starts). No message quotes a secret.
func checkNotifiers(c *config.Config, report func(path, msg string)) {
	for i, n := range c.Notifiers {
		p := "notifiers[" + strconv.Itoa(i) + "]"
		if _, err := notifierQuiet(n); err != nil {
			report(p+".quiet", err.Error())
		}
		if w := n.Webhook; w != nil && w.Secret.Reveal() != "" {
			if _, err := whsec.Key(w.Secret.Reveal()); err != nil {
				report(p+".webhook.secret", err.Error())
			}
		}
		if _, ok := templateKind(n); ok {
			if _, err := notifierTemplate(n); err != nil {
				// err reads "template: …", as NewChannel reports it.
				report(p+".template", "invalid "+err.Error())
			}
		}
	}
}
