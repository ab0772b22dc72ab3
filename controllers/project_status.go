package controllers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// setProjectStatus sets a Project's conditions from its status and how
// the pass ended, and records observedGeneration after a completed pass.
func setProjectStatus(p *scidatav1.Project, now time.Time, err error) {
	c := reconcilekit.NewConditions(&p.Status.Conditions, p.Generation, now)
	setAcceptanceDateMissedCondition(c, p, now)
	if reconcilekit.Completed(err) {
		p.Status.ObservedGeneration = p.Generation
	}
	if c.MarkOutcome(err) {
		return
	}
	setProjectReadyCondition(c, p)
}

// setProjectReadyCondition is True when every entry of the project has a
// receipt and the statement of it is signed, and False naming the entries
// that have none.
func setProjectReadyCondition(c reconcilekit.Conditions, p *scidatav1.Project) {
	st := p.Status
	if st.ReadyForAcceptance {
		last := submission.LatestStatement(p)
		c.MarkReady(scidatav1.ReasonReadyForAcceptance, fmt.Sprintf("ready for acceptance: all %d entries of project %s received; statement %d signed with key %s",
			st.EntryCount, st.ProjectID, last.Sequence, last.KeyID))
		return
	}
	msg := fmt.Sprintf("not ready for acceptance: %d of %d entries of project %s have no receipt for their current version: %s",
		st.EntryCount-st.Received, st.EntryCount, st.ProjectID, submission.Missing(st.Entries))
	if st.EntryCount == 0 {
		msg = "no catalog entry names project " + st.ProjectID + " any more; the Project is kept as the record of its statements"
	}
	c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonEntriesMissing, msg)
	c.Remove(scidatav1.ConditionReconciling)
	c.Remove(scidatav1.ConditionStalled)
}

// setAcceptanceDateMissedCondition flags a project whose acceptance date
// has come without every receipt: True from that instant, False before it
// or once every entry is received; absent without an acceptance date.
func setAcceptanceDateMissedCondition(c reconcilekit.Conditions, p *scidatav1.Project, now time.Time) {
	st := p.Status
	switch {
	case st.AcceptanceDate == nil:
		c.Remove(scidatav1.ConditionAcceptanceDateMissed)
	case st.EntryCount > 0 && st.Received == st.EntryCount:
		c.Set(scidatav1.ConditionAcceptanceDateMissed, metav1.ConditionFalse, scidatav1.ReasonReadyForAcceptance,
			"every entry was received; the acceptance date is "+st.AcceptanceDate.UTC().Format(time.RFC3339))
	case !now.Before(st.AcceptanceDate.Time):
		c.Set(scidatav1.ConditionAcceptanceDateMissed, metav1.ConditionTrue, scidatav1.ReasonAcceptanceDatePassed, fmt.Sprintf(
			"the acceptance date %s has come and %d of %d entries have no receipt: the project's data must be submitted before it is accepted; missing: %s",
			st.AcceptanceDate.UTC().Format(time.RFC3339), st.EntryCount-st.Received, st.EntryCount, submission.Missing(st.Entries)))
	default:
		c.Set(scidatav1.ConditionAcceptanceDateMissed, metav1.ConditionFalse, scidatav1.ReasonBeforeAcceptanceDate,
			"the acceptance date is "+st.AcceptanceDate.UTC().Format(time.RFC3339))
	}
}
