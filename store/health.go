package store

import "time"

// HistoryLen is how many past runs SourceState.History keeps.
const HistoryLen = 10

// healthRecord is the on-disk form of a source's health. It is
// embedded next to sourceRecord, so its fields sit in the same JSON object
// as the older ones: records written before read back with every health
// field zero, which means "healthy, no history" — no migration needed.
// Every field is omitted when zero so the older fields keep their exact
// encoding (testdata/source.golden.json).
type healthRecord struct {
	ConsecutiveEmpty int       `json:"consecutive_empty,omitempty"`
	New              int       `json:"new,omitempty"`
	History          []int     `json:"history,omitempty"`
	Unhealthy        bool      `json:"unhealthy,omitempty"`
	UnhealthySince   time.Time `json:"unhealthy_since,omitzero"`
	Noticed          bool      `json:"noticed,omitempty"`
	Episodes         int       `json:"episodes,omitempty"`
	Truncated        int       `json:"truncated,omitempty"`
}

// sourceStateRecord is what the sources bucket holds per source.
type sourceStateRecord struct {
	sourceRecord
	healthRecord
}

func toSourceStateRecord(s SourceState) sourceStateRecord {
	return sourceStateRecord{
		sourceRecord: sourceRecord{
			LastRun:             utc(s.LastRun),
			LastSuccess:         utc(s.LastSuccess),
			ConsecutiveFailures: s.ConsecutiveFailures,
			LastError:           s.LastError,
			Items:               s.Items,
		},
		healthRecord: healthRecord{
			ConsecutiveEmpty: s.ConsecutiveEmpty,
			New:              s.New,
			History:          lastRuns(s.History),
			Unhealthy:        s.Unhealthy,
			UnhealthySince:   utc(s.UnhealthySince),
			Noticed:          s.Noticed,
			Episodes:         s.Episodes,
			Truncated:        s.Truncated,
		},
	}
}

func (r sourceStateRecord) state() SourceState {
	return SourceState{
		LastRun:             r.LastRun,
		LastSuccess:         r.LastSuccess,
		ConsecutiveFailures: r.ConsecutiveFailures,
		LastError:           r.LastError,
		Items:               r.Items,
		ConsecutiveEmpty:    r.ConsecutiveEmpty,
		New:                 r.New,
		History:             r.History,
		Unhealthy:           r.Unhealthy,
		UnhealthySince:      r.UnhealthySince,
		Noticed:             r.Noticed,
		Episodes:            r.Episodes,
		Truncated:           r.Truncated,
	}
}

// lastRuns keeps the newest HistoryLen entries, so a caller that appends
// without trimming cannot grow the record without bound.
func lastRuns(h []int) []int {
	if len(h) > HistoryLen {
		h = h[len(h)-HistoryLen:]
	}
	return h
}
