package app

import (
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/store"
)

// trackHealth updates the source's health counters in next (prev is the
// state before this pass) and returns the notices to queue when the source
// turns unhealthy or recovers. Placeholder until source health lands: it
// changes nothing and queues nothing.
func (a *App) trackHealth(c *compiled, src config.Source, prev store.SourceState, next *store.SourceState, res crawler.Result, crawlErr error) []store.QueuedAlert {
	return nil
}
