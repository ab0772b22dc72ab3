package controllers

import (
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// platformScope carries what one reconcile of a DataPlatform observed, from
// step to step and into the status summary.
type platformScope struct {
	dp    *scidatav1.DataPlatform
	patch *reconcilekit.StatusPatch
	now   time.Time

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
	// ext is what the pass resolved of an External store (nil when Managed).
	ext *externalStore
	// hibernation is what the pass decided of spec.hibernation.
	hibernation hibernationScope
	// backup is what the backup step saw (BackupHealthy).
	backup backupScope
}

// conditions sets the platform's conditions as observed in this pass.
func (s *platformScope) conditions() reconcilekit.Conditions {
	return reconcilekit.NewConditions(&s.dp.Status.Conditions, s.dp.Generation, s.now)
}

// observation is what a step saw of one concern: ready or not, and why;
// stalls when only a person can make it ready.
type observation struct {
	seen    bool
	ready   bool
	stalls  bool
	reason  string
	message string
}

func ready(reason, message string) observation {
	return observation{seen: true, ready: true, reason: reason, message: message}
}

func notReady(reason, message string) observation {
	return observation{seen: true, reason: reason, message: message}
}

func stalled(reason, message string) observation {
	return observation{seen: true, stalls: true, reason: reason, message: message}
}
