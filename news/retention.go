package news

import "time"

// Default retention: how long the daemon's daily prune keeps each kind of
// record when the config says nothing. The config's defaults and the
// store's DefaultRetention are these values, so `check`, the daemon and
// the measurement commands cannot disagree. Seen keys outlive alerts on
// purpose: a pruned alert must not come back while its article is still
// remembered as seen.
const (
	// DefaultRetentionSeen is how long an article's seen keys are kept.
	DefaultRetentionSeen = 180 * 24 * time.Hour
	// DefaultRetentionAlerts is how long a stored alert (the alert
	// history, the Atom feeds and the dedup record) is kept.
	DefaultRetentionAlerts = 90 * 24 * time.Hour
	// DefaultRetentionText is how long extracted article text is kept for
	// replay: long enough to tune a rule on the last two weeks of news.
	DefaultRetentionText = 14 * 24 * time.Hour
)
