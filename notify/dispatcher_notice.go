package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// maxNoticeItems is how many dead alerts a notice lists by name.
const maxNoticeItems = 10

// maxNoticeTitle bounds a notice's title, in runes.
const maxNoticeTitle = 300

// announce queues the delivery notices for new dead letters and disabled
// notifiers (Outbox.Announce: one transaction, so a crash neither loses
// nor repeats one) and wakes their notifiers. It returns how many notices
// were queued. With no notice recipients configured the notices are only
// logged, and still marked announced.
func (d *Dispatcher) announce() int {
	_, notices := d.names()
	now := d.now()
	queued, err := d.out.Announce(func(dead []outbox.Entry, disabled []outbox.DisabledNotifier) []outbox.QueuedAlert {
		alerts := deliveryNotices(dead, disabled, now)
		if len(notices) == 0 {
			for _, a := range alerts {
				d.log.Warn("delivery notice (no health.notify notifier to send it to)", "notice", a.ID, "title", a.Title)
			}
			return nil
		}
		out := make([]outbox.QueuedAlert, len(alerts))
		for i, a := range alerts {
			out[i] = outbox.QueuedAlert{Alert: a, Notifiers: notices}
		}
		return out
	})
	if err != nil {
		d.log.Error("queue delivery notices", "err", err)
		return 0
	}
	if len(queued) > 0 {
		d.log.Info("delivery notices queued", "notices", len(queued), "notifiers", strings.Join(notices, ","))
		d.poke(notices)
	}
	return len(queued)
}

// deliveryNotices builds one notice per notifier whose alerts died (a
// storm of 500 dead letters is one notice) and one per disabled notifier.
// IDs derive from what is announced, so rebuilding after a crash gives
// the same notices and the outbox's dedup drops repeats.
func deliveryNotices(dead []outbox.Entry, disabled []outbox.DisabledNotifier, now time.Time) []news.Alert {
	var out []news.Alert
	var order []string
	byNotifier := map[string][]outbox.Entry{}
	for _, e := range dead {
		if byNotifier[e.Notifier] == nil {
			order = append(order, e.Notifier)
		}
		byNotifier[e.Notifier] = append(byNotifier[e.Notifier], e)
	}
	for _, name := range order {
		out = append(out, deadNotice(name, byNotifier[name], now))
	}
	for _, dis := range disabled {
		out = append(out, disabledNotice(dis, now))
	}
	return out
}

// deadNotice is the notice for one notifier's dead letters, e.g.
// `3 alerts could not be delivered through "ops-hook": receiver answered
// 401 Unauthorized: …`, with up to ten of them listed in the snippet.
func deadNotice(notifier string, dead []outbox.Entry, now time.Time) news.Alert {
	ids := make([]string, len(dead))
	for i, e := range dead {
		ids[i] = e.ID
	}
	last := dead[len(dead)-1]
	what := "1 alert"
	if len(dead) > 1 {
		what = fmt.Sprintf("%d alerts", len(dead))
	}
	var b strings.Builder
	for i, e := range dead {
		if i == maxNoticeItems {
			fmt.Fprintf(&b, "… and %d more (newshound outbox lists them all)\n", len(dead)-maxNoticeItems)
			break
		}
		title := e.Alert.Title
		if title == "" {
			title = e.AlertID
		}
		fmt.Fprintf(&b, "- %s (%s, %d attempts): %s\n", textsafe.Truncate(oneLine(title), 120), e.ID, e.Attempts, textsafe.Truncate(oneLine(e.LastError), 200))
	}
	b.WriteString(`Retry with "newshound outbox retry ID" or "newshound outbox retry --all-dead".`)
	return news.Alert{
		ID:      news.AlertID(news.WatchDelivery, strings.Join(ids, ",")),
		Watch:   news.WatchDelivery,
		Title:   textsafe.Truncate(fmt.Sprintf("%s could not be delivered through %q: %s", what, notifier, oneLine(last.LastError)), maxNoticeTitle),
		Found:   now,
		Snippet: b.String(),
	}
}

// disabledNotice is the notice that a notifier was switched off.
func disabledNotice(dis outbox.DisabledNotifier, now time.Time) news.Alert {
	key := "disabled:" + dis.Name + ":" + dis.At.UTC().Format(time.RFC3339Nano)
	return news.Alert{
		ID:    news.AlertID(news.WatchDelivery, key),
		Watch: news.WatchDelivery,
		Title: textsafe.Truncate(fmt.Sprintf("Notifier %q disabled: %s; it stays off until its config changes or %q",
			dis.Name, oneLine(dis.Reason), "newshound outbox enable "+dis.Name), maxNoticeTitle),
		Found: now,
		Snippet: fmt.Sprintf("Its queued alerts wait; those older than its max_queue_age become dead letters. "+
			"Disabled at %s.", dis.At.UTC().Format(time.RFC3339)),
	}
}
