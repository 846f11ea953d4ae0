// Package fault classifies errors by what the caller should do about them: retry later
// (Transient, RateLimited), hold the work until the infrastructure takes it again
// (Unavailable), or give up and park the work with its reason (Permanent).
// A consumer's ack decision is driven by these kinds alone.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what an error means for retrying.
type Kind int

const (
	// Transient is the default: the same work may succeed later (a timeout, a 5xx).
	Transient Kind = iota
	// RateLimited asks to wait at least the error's RetryAfter before trying again.
	RateLimited
	// Permanent means retrying cannot help (a malformed PDF, a 401): park the work.
	Permanent
	// Unavailable means the infrastructure could not take the work's result (JetStream
	// storing nothing: a full disk, a cluster without a leader). It is no fault of the
	// work: hold it and try again when the infrastructure is back, never counting the
	// failure against the work's attempts.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case RateLimited:
		return "rate-limited"
	case Permanent:
		return "permanent"
	case Unavailable:
		return "unavailable"
	default:
		return "transient"
	}
}

// Error carries a Kind and, for RateLimited, how long to wait.
type Error struct {
	Kind       Kind
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// PermanentErr marks err as permanent. It returns nil for a nil err.
func PermanentErr(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: Permanent, Err: err}
}

// Permanentf formats a permanent error.
func Permanentf(format string, args ...any) error {
	return &Error{Kind: Permanent, Err: fmt.Errorf(format, args...)}
}

// RateLimitedErr marks err as a rate limit that lifts after retryAfter.
func RateLimitedErr(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: RateLimited, RetryAfter: retryAfter, Err: err}
}

// UnavailableErr marks err as the infrastructure's unavailability. It returns nil for a
// nil err.
func UnavailableErr(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: Unavailable, Err: err}
}

// IsUnavailable reports whether err is the infrastructure's unavailability.
func IsUnavailable(err error) bool { return err != nil && KindOf(err) == Unavailable }

// KindOf returns the kind of the outermost classified error in err's chain; errors that
// were never classified are Transient.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Transient
}

// IsPermanent reports whether retrying err cannot help.
func IsPermanent(err error) bool { return err != nil && KindOf(err) == Permanent }

// RetryAfter returns how long a RateLimited error asks to wait, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.Kind == RateLimited {
		return e.RetryAfter
	}
	return 0
}
