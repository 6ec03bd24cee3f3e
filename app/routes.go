package app

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
)

// route is one delivery of a watch's alerts: a notifier and, for a
// digest, the schedule on which it goes out (nil: at once).
type route struct {
	notifier string
	digest   cron.Schedule
}

// compileRoutes resolves every watch's notify list against the notifiers'
// digest settings and parses each distinct cron spec once, so a pass does
// no parsing per alert.
func compileRoutes(cfg *config.Config) (map[string][]route, error) {
	notifiers := make(map[string]config.Notifier, len(cfg.Notifiers))
	for _, n := range cfg.Notifiers {
		notifiers[n.Name] = n
	}
	specs := map[string]cron.Schedule{}
	out := make(map[string][]route, len(cfg.Watches))
	for _, w := range cfg.Watches {
		for _, r := range w.Deliveries() {
			rt := route{notifier: r.Notifier}
			if spec := r.DigestSpec(notifiers[r.Notifier]); spec != "" {
				s, ok := specs[spec]
				if !ok {
					var err error
					if s, err = cron.ParseStandard(spec); err != nil {
						return nil, fmt.Errorf("watch %s: notifier %s: digest %q: %w", w.Name, r.Notifier, spec, err)
					}
					specs[spec] = s
				}
				rt.digest = s
			}
			out[w.Name] = append(out[w.Name], rt)
		}
	}
	return out, nil
}

// storeRoutes is where an alert of a watch found at now goes: immediate
// routes due at once, digest routes at their schedule's next time after
// now, marked Digest.
func storeRoutes(routes []route, now time.Time) []store.Route {
	out := make([]store.Route, len(routes))
	for i, r := range routes {
		out[i] = store.Route{Notifier: r.notifier}
		if r.digest != nil {
			out[i].Due, out[i].Digest = r.digest.Next(now), true
		}
	}
	return out
}
