package controllers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// entryObservation is everything a CatalogEntry's status is computed from.
type entryObservation struct {
	generation int64
	// recorded is when the entry's data was first recorded in the platform:
	// the entry's creation, which carried its first content version.
	recorded time.Time
	papers   []scidatav1.Publication
	now      metav1.Time
	sharing  sharing.Result
	// problem, when set, is why the entry cannot be reconciled without a
	// person (Stalled); its reason and message.
	problem *condition
}

type condition struct{ reason, message string }

// observeEntry reads what status needs from the entry and the clock.
func observeEntry(e *scidatav1.CatalogEntry, now time.Time) entryObservation {
	o := entryObservation{
		generation: e.Generation,
		recorded:   e.CreationTimestamp.Time,
		papers:     e.Spec.Publications,
		now:        metav1.NewTime(now.UTC().Truncate(time.Second)),
		sharing:    sharing.Compute(&e.Spec, now),
	}
	if !sharing.InPlatformNamespace(e.Namespace) {
		o.problem = &condition{scidatav1.ReasonNotInPlatformNamespace, fmt.Sprintf(
			"namespace %q is not a platform namespace (%s<platform>): move the entry into the namespace of the platform of department %q",
			e.Namespace, scidatav1.NamespacePrefix, e.Spec.ResponsibleDepartment.Code)}
	}
	return o
}

// desiredEntryStatus computes the whole status from the current one (whose
// condition transition times it keeps) and an observation. Pure.
func desiredEntryStatus(current scidatav1.CatalogEntryStatus, spec *scidatav1.CatalogEntrySpec, o entryObservation) scidatav1.CatalogEntryStatus {
	s := *current.DeepCopy()
	s.EffectiveSharing = o.sharing.Mode
	s.SharingReason = o.sharing.Reason
	s.NextChangeAt = nil
	if o.sharing.NextChangeAt != nil {
		s.NextChangeAt = &metav1.Time{Time: *o.sharing.NextChangeAt}
	}
	c := completeness.Score(spec)
	s.Completeness = &c
	for _, set := range []func(*[]metav1.Condition, entryObservation){
		setPublishedCondition, setSecrecyReviewDueCondition, setEmbargoPassedCondition, setDataBeforePaperCondition,
		setStalledCondition, setReconcilingCondition, setReadyCondition,
	} {
		set(&s.Conditions, o)
	}
	// The pass is complete: status now describes this generation.
	s.ObservedGeneration = o.generation
	return s
}

// conditions sets conditions in list as observed by o (its generation, its
// instant).
func (o entryObservation) conditions(list *[]metav1.Condition) reconcilekit.Conditions {
	return reconcilekit.NewConditions(list, o.generation, o.now.Time)
}

// setPublishedCondition says whether the entry is in the public catalog
// view (the Center's portal and its department's), and if not, why and what
// would change it.
func setPublishedCondition(conds *[]metav1.Condition, o entryObservation) {
	r := o.sharing
	switch {
	case o.problem != nil:
		o.conditions(conds).Set(scidatav1.ConditionPublished, metav1.ConditionFalse, o.problem.reason,
			"not in the public catalog: "+o.problem.message)
	case r.Classified:
		o.conditions(conds).Set(scidatav1.ConditionPublished, metav1.ConditionFalse, scidatav1.ReasonClassified,
			"not in the public catalog: classified entries never appear there, not even their titles; it can be published only once its classification authority lowers spec.classification.level to Internal or Public")
	case !r.Listed:
		o.conditions(conds).Set(scidatav1.ConditionPublished, metav1.ConditionFalse, scidatav1.ReasonSharingClosed,
			"not in the public catalog: the sharing attribute is Closed; set spec.sharing.mode to Open, or Conditional with sharing.conditions, to publish it")
	case r.Embargoed:
		o.conditions(conds).Set(scidatav1.ConditionPublished, metav1.ConditionTrue, scidatav1.ReasonListedUnderEmbargo,
			fmt.Sprintf("in the public catalog with its metadata; its data is embargoed and opens on %s", r.EmbargoUntil.Format(time.RFC3339)))
	default:
		o.conditions(conds).Set(scidatav1.ConditionPublished, metav1.ConditionTrue, scidatav1.ReasonListed,
			fmt.Sprintf("in the public catalog as %s", r.Mode))
	}
}

// setSecrecyReviewDueCondition is True once a classified entry's secrecy
// period has ended, False before, and absent for unclassified entries.
func setSecrecyReviewDueCondition(conds *[]metav1.Condition, o entryObservation) {
	r := o.sharing
	switch {
	case r.SecrecyPeriodEnd == nil:
		o.conditions(conds).Remove(scidatav1.ConditionSecrecyReviewDue)
	case r.SecrecyReviewDue:
		o.conditions(conds).Set(scidatav1.ConditionSecrecyReviewDue, metav1.ConditionTrue, scidatav1.ReasonSecrecyPeriodEnded,
			fmt.Sprintf("the secrecy period ended on %s: the classification authority must review spec.classification (declassify, or extend secrecyPeriodEnd); the data stays %s until then",
				r.SecrecyPeriodEnd.Format(time.RFC3339), r.Mode))
	default:
		o.conditions(conds).Set(scidatav1.ConditionSecrecyReviewDue, metav1.ConditionFalse, scidatav1.ReasonWithinSecrecyPeriod,
			fmt.Sprintf("the secrecy period ends on %s", r.SecrecyPeriodEnd.Format(time.RFC3339)))
	}
}

// setEmbargoPassedCondition is True once an embargo's date has passed (the
// embargo may be removed from spec), False while it holds, and absent
// without an embargo.
func setEmbargoPassedCondition(conds *[]metav1.Condition, o entryObservation) {
	r := o.sharing
	switch {
	case r.EmbargoUntil == nil:
		o.conditions(conds).Remove(scidatav1.ConditionEmbargoPassed)
	case r.EmbargoPassed:
		o.conditions(conds).Set(scidatav1.ConditionEmbargoPassed, metav1.ConditionTrue, scidatav1.ReasonEmbargoDatePassed,
			fmt.Sprintf("the embargo ended on %s and the entry is %s; spec.sharing.embargo may be removed", r.EmbargoUntil.Format(time.RFC3339), r.Mode))
	default:
		o.conditions(conds).Set(scidatav1.ConditionEmbargoPassed, metav1.ConditionFalse, scidatav1.ReasonEmbargoInForce,
			fmt.Sprintf("embargoed until %s", r.EmbargoUntil.Format(time.RFC3339)))
	}
}

// setDataBeforePaperCondition holds the rule "data before paper" (§2.4):
// False, naming the paper, when a publication is dated before the entry's
// data was recorded in the platform (no content version was recorded
// before it); True when every dated publication came after; absent when
// no publication has a date.
func setDataBeforePaperCondition(conds *[]metav1.Condition, o entryObservation) {
	dated := 0
	for _, p := range o.papers {
		if p.PublishedAt == nil {
			continue
		}
		dated++
		if p.PublishedAt.Time.Before(o.recorded) {
			o.conditions(conds).Set(scidatav1.ConditionDataBeforePaper, metav1.ConditionFalse, scidatav1.ReasonPaperBeforeData, fmt.Sprintf(
				"%q was published on %s, before the data was recorded in the platform on %s: the plan asks that data be handed to the unit before its paper is published",
				p.Title, p.PublishedAt.UTC().Format(time.RFC3339), o.recorded.UTC().Format(time.RFC3339)))
			return
		}
	}
	if dated == 0 {
		o.conditions(conds).Remove(scidatav1.ConditionDataBeforePaper)
		return
	}
	o.conditions(conds).Set(scidatav1.ConditionDataBeforePaper, metav1.ConditionTrue, scidatav1.ReasonDataFirst,
		fmt.Sprintf("the data was recorded on %s, before each of its %d dated publications", o.recorded.UTC().Format(time.RFC3339), dated))
}

// setStalledCondition is True when only a person can make progress, and
// absent otherwise (kstatus abnormal-true polarity).
func setStalledCondition(conds *[]metav1.Condition, o entryObservation) {
	if o.problem == nil {
		o.conditions(conds).Remove(scidatav1.ConditionStalled)
		return
	}
	o.conditions(conds).Set(scidatav1.ConditionStalled, metav1.ConditionTrue, o.problem.reason, o.problem.message)
}

// setReconcilingCondition removes Reconciling: status is written once, at
// the end of a complete pass, so the work it would announce is done
// (kstatus abnormal-true polarity; a newer generation than
// observedGeneration already tells kstatus that work is pending).
func setReconcilingCondition(conds *[]metav1.Condition, o entryObservation) {
	o.conditions(conds).Remove(scidatav1.ConditionReconciling)
}

// setReadyCondition summarises: True with the sharing in force, or False
// with the reason the entry is stalled.
func setReadyCondition(conds *[]metav1.Condition, o entryObservation) {
	if o.problem != nil {
		o.conditions(conds).Set(scidatav1.ConditionReady, metav1.ConditionFalse, o.problem.reason, o.problem.message)
		return
	}
	o.conditions(conds).Set(scidatav1.ConditionReady, metav1.ConditionTrue, scidatav1.ReasonReconciled,
		fmt.Sprintf("effective sharing %s: %s", o.sharing.Mode, o.sharing.Reason))
}
