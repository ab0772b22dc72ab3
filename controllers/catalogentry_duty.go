package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/duty"
)

// Event reasons of a CatalogEntry's duty and declassification.
const (
	EventDutyChanged  = "DutyChanged"
	EventDeclassified = "Declassified"
)

// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries,verbs=patch

// reconcileDutyLabel mirrors the entry's duty to submit (package duty) onto
// the label scidata.io/duty, which the city's SubmissionPolicy selects on
// and which only the operator may set (admission policy
// scidata-operator-labels). It writes, in a patch of the metadata alone,
// only when the label differs; the optimistic lock makes a patch computed
// from a stale spec fail and retry instead of labelling the old facts.
func (r *CatalogEntryReconciler) reconcileDutyLabel(ctx context.Context, e *scidatav1.CatalogEntry) error {
	want := duty.Label(duty.Compute(&e.Spec).Level)
	if got, ok := e.Labels[scidatav1.LabelDuty]; ok && got == want {
		return nil
	}
	base := e.DeepCopy()
	if e.Labels == nil {
		e.Labels = map[string]string{}
	}
	e.Labels[scidatav1.LabelDuty] = want
	if err := r.Patch(ctx, e, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("label CatalogEntry %s/%s %s=%s: %w", e.Namespace, e.Name, scidatav1.LabelDuty, want, err)
	}
	return nil
}

// setDutyStatus puts into the desired status the entry's duty and the
// latest declassification decision its spec carries. Pure.
func setDutyStatus(desired *scidatav1.CatalogEntryStatus, e *scidatav1.CatalogEntry) {
	desired.Duty = duty.Compute(&e.Spec).Status()
	desired.Declassification = declassificationRecord(e.Status.Declassification, e)
}

// declassificationRecord is the record of spec.declassification: the
// current record while the decision is the same one, a new record (with
// the generation the decision is first seen at and the level it left)
// when it is new. A record is history: it stays when spec.declassification
// is removed. The admission policy scidata-catalogentry-declassification
// admits a new decision only from a declassifier, in their own name.
func declassificationRecord(current *scidatav1.DeclassificationRecord, e *scidatav1.CatalogEntry) *scidatav1.DeclassificationRecord {
	d := e.Spec.Declassification
	if d == nil {
		return current
	}
	if current != nil && current.By == d.By && current.At.Equal(&d.At) && current.Reason == d.Reason && current.Reference == d.Reference {
		return current
	}
	level := scidatav1.ClassificationPublic
	if c := e.Spec.Classification; c != nil && c.Level != "" {
		level = c.Level
	}
	return &scidatav1.DeclassificationRecord{
		By: d.By, At: d.At, Reason: d.Reason, Reference: d.Reference,
		Level: level, Generation: e.Generation,
	}
}

// recordDutyChanges emits an Event when the duty changes and when a new
// declassification is recorded: the audit trail a person reads with
// kubectl describe.
func (r *CatalogEntryReconciler) recordDutyChanges(e *scidatav1.CatalogEntry, before, after scidatav1.CatalogEntryStatus) {
	if r.Recorder == nil {
		return
	}
	if a := after.Duty; a != nil && (before.Duty == nil || before.Duty.Level != a.Level) {
		r.Recorder.Eventf(e, corev1.EventTypeNormal, EventDutyChanged, "duty to submit is %s (%s): %s", a.Level, a.Reason, a.Message)
	}
	if a := after.Declassification; a != nil && !sameDecision(before.Declassification, a) {
		ref := ""
		if a.Reference != "" {
			ref = " (" + a.Reference + ")"
		}
		r.Recorder.Eventf(e, corev1.EventTypeWarning, EventDeclassified, "%s declassified the entry on %s%s, leaving it %s at generation %d: %s",
			a.By, a.At.UTC().Format(time.RFC3339), ref, a.Level, a.Generation, a.Reason)
	}
}

func sameDecision(a, b *scidatav1.DeclassificationRecord) bool {
	return a != nil && b != nil && a.By == b.By && a.At.Equal(&b.At) && a.Reason == b.Reason && a.Reference == b.Reference && a.Generation == b.Generation
}
