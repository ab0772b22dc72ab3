package reconcilekit

import (
	"errors"
	"fmt"
	"time"
)

// StalledError is an outcome no retry can change: a person must change
// something. It becomes the Stalled condition with its reason and message;
// the pass is not retried with backoff, and the watches bring the object
// back once its cause is mended.
type StalledError struct {
	// Reason is a CamelCase condition reason from api/v1alpha1.
	Reason string
	// Message says what to change, in words a person can act on.
	Message string
}

func (e *StalledError) Error() string { return e.Reason + ": " + e.Message }

// Stalled returns a StalledError.
func Stalled(reason, message string) error { return &StalledError{Reason: reason, Message: message} }

// Stalledf returns a StalledError with a formatted message.
func Stalledf(reason, format string, args ...any) error {
	return &StalledError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// WaitingError is not a failure: the pass cannot go further yet because
// something it waits for is not there, and no one needs to act. It becomes
// Ready False and Reconciling True with its reason and message. The pass
// is not retried with backoff: it comes back after RequeueAfter, or, when
// that is zero, when an event the controller watches wakes it.
type WaitingError struct {
	Reason       string
	Message      string
	RequeueAfter time.Duration
}

func (e *WaitingError) Error() string { return e.Reason + ": " + e.Message }

// Waiting returns a WaitingError that an event ends (no requeue).
func Waiting(reason, message string) error { return &WaitingError{Reason: reason, Message: message} }

// WaitingFor returns a WaitingError that looks again after d.
func WaitingFor(d time.Duration, reason, message string) error {
	return &WaitingError{Reason: reason, Message: message, RequeueAfter: d}
}

// AsStalled finds a StalledError in err's chain.
func AsStalled(err error) (*StalledError, bool) {
	var st *StalledError
	ok := errors.As(err, &st)
	return st, ok
}

// AsWaiting finds a WaitingError in err's chain.
func AsWaiting(err error) (*WaitingError, bool) {
	var w *WaitingError
	ok := errors.As(err, &w)
	return w, ok
}

// Completed reports whether a pass that ended with err reached a verdict
// on its generation, and so records observedGeneration: no error, Waiting
// or Stalled. An error that is retried leaves observedGeneration as it was.
func Completed(err error) bool {
	if err == nil {
		return true
	}
	if _, ok := AsStalled(err); ok {
		return true
	}
	_, ok := AsWaiting(err)
	return ok
}

// Outcome names how a pass ended, for metrics: success, waiting, stalled
// or error.
func Outcome(err error) string {
	if _, ok := AsStalled(err); ok {
		return "stalled"
	}
	if _, ok := AsWaiting(err); ok {
		return "waiting"
	}
	if err != nil {
		return "error"
	}
	return "success"
}
