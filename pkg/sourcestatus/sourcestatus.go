// Package sourcestatus is the freshness of the fetcher's sources as GET /api/v1/sources
// answers it: the contract between the fetcher, which writes it, and the pages that show
// it (services/api/web), which need not import the fetcher to read it.
package sourcestatus

import "time"

// Court is the freshness of one source at one court.
type Court struct {
	Source string `json:"source"` // "courtlistener" or "pacerrss"
	Court  string `json:"court"`
	// LastPoll is the last attempt, LastSuccess the last poll that completed, LastNew the
	// last time it published a document that was new (or a new version).
	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastNew     time.Time `json:"last_new,omitzero"`
	// Published counts documents published since the process started.
	Published int64 `json:"published"`
	// Errors counts consecutive failed polls, TotalErrors all of them since start.
	Errors      int       `json:"errors"`
	TotalErrors int       `json:"total_errors"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// NextPoll is when the source polls next.
	NextPoll time.Time `json:"next_poll,omitzero"`
	// Quiet says nothing new arrived for longer than the fetcher's QuietAfter (fetcher.Config).
	Quiet bool `json:"quiet"`
	// Parked counts documents whose PDF could not be fetched after every attempt, since
	// start; they are in DEAD (`docketwatch dead list`).
	Parked int `json:"parked"`
	// Stopped says the source gave up on a permanent error (a refused token, a court
	// without a feed) and needs a configuration change and a restart.
	Stopped bool `json:"stopped"`
}
