package app

import (
	"context"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/news"
)

// Discovery is what feed autodiscovery found for one `url:` source.
type Discovery struct {
	Source string
	Page   string
	Feeds  []string // in page order; the crawler uses the first
	Err    error
}

// DiscoverFeeds fetches the page of every `url:` source in cfg and lists
// the feeds its <link rel="alternate"> elements announce, so `check` can
// say what the daemon will crawl. It does not open the store.
func DiscoverFeeds(ctx context.Context, cfg *config.Config, opts Options) []Discovery {
	c := crawler.New(crawlerOptions(cfg, withDefaults(opts)))
	var out []Discovery
	for _, src := range cfg.Sources {
		if src.Kind() != crawler.KindSite {
			continue
		}
		feeds, err := c.Discover(ctx, crawlerSource(src))
		out = append(out, Discovery{Source: src.Name, Page: news.RedactURL(src.Site), Feeds: feeds, Err: err})
	}
	return out
}
