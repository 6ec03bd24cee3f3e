package app

import (
	"context"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
)

// pruneInterval is how often the store is pruned after the first prune.
const pruneInterval = 24 * time.Hour

// pruneDaily prunes the store by the config's retention: first
// Options.PruneDelay after Run starts, then every pruneInterval, until
// ctx ends. Run calls it in its own goroutine. The store deletes in small
// transactions (store.Prune), so passes recording meanwhile wait at most
// one batch. A failed prune is logged and tried again the next day; the
// retention is read from the config in force at each prune, so a reload
// applies at the next one.
func (a *App) pruneDaily(ctx context.Context) {
	t := time.NewTimer(a.opts.PruneDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, _ = a.pruneOnce()
		t.Reset(pruneInterval)
	}
}

// pruneOnce removes what the retention of the config in force lets go,
// and logs what went and how long it took.
func (a *App) pruneOnce() (store.PruneReport, error) {
	r := storeRetention(a.current().cfg)
	started := a.now()
	rep, err := a.store.Prune(r, started)
	took := a.now().Sub(started).Round(time.Millisecond)
	if err != nil {
		a.log.Error("store prune failed; it runs again tomorrow", "seen_keys", rep.Seen, "alerts", rep.Alerts,
			"texts", rep.Texts, "took", took, "err", err)
		return rep, err
	}
	a.log.Info("store pruned", "seen_keys", rep.Seen, "alerts", rep.Alerts, "texts", rep.Texts, "took", took,
		"retention_seen", r.Seen, "retention_alerts", r.Alerts, "retention_text", r.Text)
	return rep, nil
}

// storeRetention is cfg's retention for store.Prune. A config from Load
// or Parse has every field set; one built in code gets the defaults for
// the fields it left zero (store.Prune would keep those records forever).
func storeRetention(cfg *config.Config) store.Retention {
	r := store.Retention{Seen: cfg.Retention.Seen, Alerts: cfg.Retention.Alerts, Text: cfg.Retention.Text}
	if r.Seen <= 0 {
		r.Seen = config.DefaultRetentionSeen
	}
	if r.Alerts <= 0 {
		r.Alerts = config.DefaultRetentionAlerts
	}
	if r.Text <= 0 {
		r.Text = config.DefaultRetentionText
	}
	return r
}

// warnPermissions warns when the database file is readable or writable
// by group or others: it holds every alert and article text. The file is
// created 0600; an older file, a restored backup or a copy may not be.
func (a *App) warnPermissions() {
	mode, err := a.store.Permissions()
	if err != nil {
		a.log.Warn("cannot read the database file's permissions", "file", a.store.Path(), "err", err)
		return
	}
	if mode&0o077 != 0 {
		a.log.Warn("the database file is readable or writable by other users; fix with: chmod 600 "+a.store.Path(),
			"file", a.store.Path(), "mode", mode.String())
	}
}
