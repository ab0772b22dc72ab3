package controllers

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	ctrl "sigs.k8s.io/controller-runtime"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// platformScope carries what one reconcile of a DataPlatform observed, from
// step to step and into the status summary.
type platformScope struct {
	dp     *scidatav1.DataPlatform
	before *scidatav1.DataPlatformStatus
	now    time.Time

	network platform.ClusterNetwork

	storage  observation
	portal   observation
	isolated observation
	// resizeUnsupported is set when the volumes cannot grow to the spec.
	resizeUnsupported string
	capacity          *resource.Quantity

	// requeueAt is when to look again without an event (certificate renewal).
	requeueAt time.Time
	// store identifies the store's serving certificate and accounts: a new
	// one (renewal, replacement) rolls the store's pod, which reads both only
	// when it starts.
	store platform.StoreRevision
}

// observation is what a step saw of one concern: ready or not, and why.
type observation struct {
	seen    bool
	ready   bool
	reason  string
	message string
}

func ready(reason, message string) observation {
	return observation{seen: true, ready: true, reason: reason, message: message}
}

func notReady(reason, message string) observation {
	return observation{seen: true, reason: reason, message: message}
}

// stalledError is an error that retrying cannot fix: a person must change
// something. It becomes the Stalled condition, and the reconcile is not
// retried until something changes.
type stalledError struct {
	reason  string
	message string
}

func (e *stalledError) Error() string { return e.reason + ": " + e.message }

func stalled(reason, message string) error { return &stalledError{reason: reason, message: message} }

// result decides the requeue: a stalled pass waits for a change; an error
// is retried with backoff by returning it; otherwise come back when the
// next certificate renewal is due.
func (s *platformScope) result(r ctrl.Result, err error) ctrl.Result {
	var st *stalledError
	if err != nil && !errors.As(err, &st) {
		return r
	}
	if !s.requeueAt.IsZero() {
		r.RequeueAfter = durationUntil(s.now, s.requeueAt)
	}
	return r
}
