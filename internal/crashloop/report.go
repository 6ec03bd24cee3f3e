package crashloop

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Report is the outcome of one crash loop.
type Report struct {
	Verdict
	Kills int
	// AppendKills counts the kills made as soon as a run's text segments
	// grew (every third run waits for that; see appendKillEvery).
	AppendKills int
	Published   int // articles published, traps included
	Alerts      int // the alerts they must raise (each delivered twice: webhook, e-mail)
	// Ready counts the runs that logged "newshound running" before being
	// killed (or, for the final run, at all); StartupMedian is the median
	// time from exec to that line over them.
	Ready         int
	StartupMedian time.Duration
	// DuringKills counts the well-formed deliveries made by runs that were
	// then killed: how much of the delivery the kills interrupted.
	DuringKills int
	FinalWait   time.Duration // how long the final run took to deliver the rest
	// Settled is how long the final run ran before it was stopped: until
	// every alert was in and each source had recorded a pass with nothing
	// new (or FinalWait passed).
	Settled time.Duration
	// NotIdle lists the sources that logged no pass without new articles
	// in the final run: the texts check then cannot rely on every
	// published article being seen (or the log line changed).
	NotIdle      []string
	ExitCode     int           // of the final run after SIGTERM
	StopTook     time.Duration // from SIGTERM to exit
	Queued, Dead int           // outbox entries left in the store after the final run
	// Unmarked counts expected deliveries the store does not mark delivered.
	Unmarked int
	// OwnExits lists the runs that stopped by themselves before their
	// SIGKILL (a failed start, a crash), with their exit status.
	OwnExits []string
	// Texts is the check of the replay texts after the final run.
	Texts TextVerdict
	Wall  time.Duration
}

// Err returns every broken rule as one error, or nil.
func (r Report) Err() error {
	probs := r.problems(r.Kills)
	if r.ExitCode != 0 {
		probs = append(probs, fmt.Sprintf("final run exited %d after SIGTERM, want 0", r.ExitCode))
	}
	if len(r.OwnExits) > 0 {
		probs = append(probs, fmt.Sprintf("%d runs stopped before they were killed (see daemon.log): %v", len(r.OwnExits), r.OwnExits[:min(len(r.OwnExits), 5)]))
	}
	if r.Queued != 0 || r.Dead != 0 || r.Unmarked != 0 {
		probs = append(probs, fmt.Sprintf("store holds %d queued entries and %d dead letters after the final run, and %d expected deliveries are not marked delivered; want none",
			r.Queued, r.Dead, r.Unmarked))
	}
	if len(r.NotIdle) > 0 {
		probs = append(probs, fmt.Sprintf("final run: no pass without new articles logged (msg=\"source crawled\" ... new=0) for %v", r.NotIdle))
	}
	if len(r.NotIdle) > 0 {
		probs = append(probs, fmt.Sprintf("final run: no pass without new articles logged (msg=\"source crawled\" ... new=0) for %v", r.NotIdle))
	}
	probs = append(probs, r.Texts.problems()...)
	if len(probs) == 0 {
		return nil
	}
	return errors.New("crash loop: " + strings.Join(probs, "; "))
}

// String is the report as bench/crashloop prints it.
func (r Report) String() string {
	return fmt.Sprintf(`kills                 %d (%d of them right after a text append)
published articles    %d (traps included), %d alerts expected
expected deliveries   %d (each alert through the webhook and by e-mail)
delivered (distinct)  %d
deliveries            %d (%d by runs that were then killed)
repeats               %d: webhook %d, e-mail %d (max %d of one id; limit per receiver: %d kills; %d webhook repeats after the 2xx was written)
unacked at the kill   at most %v after it reached the receiver (webhook %v, e-mail %v; over the repeats); at most %d repeats per kill
cut requests          %d (body cut by a kill; not deliveries)
unexplained repeats   %d
runs that died alone  %d
unexpected / missing  %d / %d
final run             all delivered %v after start, both sources idle after %v; SIGTERM → exit %d in %v
store afterwards      %d queued, %d dead letters, %d expected deliveries not marked delivered
replay texts          %d expected (published and seen), %d found, %d missing, %d duplicated, %d unknown, %d unlike the page
                      %d published articles not seen by both sources
text segments         %d files, %d records (%d invisible: appended by a pass killed before its commit, or beaten to the ID), %d torn tails, %d damaged
startup (exec → running) median %v over %d runs
wall time             %v`,
		r.Kills, r.AppendKills, r.Published, r.Alerts, r.Expected, r.Delivered, r.Deliveries, r.DuringKills, r.Repeats, r.RepeatsBy["hook"], r.RepeatsBy["mail"], r.MaxRepeats, r.Kills, r.RepeatsAnswered, r.MaxAckLag.Round(time.Millisecond), r.MaxAckLagBy["hook"].Round(time.Millisecond), r.MaxAckLagBy["mail"].Round(time.Millisecond), r.MaxRepeatsPerKill,
		r.Cut, len(r.Unexplained), len(r.OwnExits), len(r.Unexpected), len(r.Missing),
		r.FinalWait.Round(time.Millisecond), r.Settled.Round(time.Millisecond), r.ExitCode, r.StopTook.Round(time.Millisecond),
		r.Queued, r.Dead, r.Unmarked,
		r.Texts.Expected, r.Texts.Found, len(r.Texts.Missing), len(r.Texts.Duplicated), len(r.Texts.Unknown), len(r.Texts.Wrong),
		len(r.Texts.Unseen),
		r.Texts.Segments, r.Texts.Records, r.Texts.Invisible(), r.Texts.TornTails, len(r.Texts.Damaged),
		r.StartupMedian.Round(100*time.Microsecond), r.Ready, r.Wall.Round(time.Millisecond))
}
