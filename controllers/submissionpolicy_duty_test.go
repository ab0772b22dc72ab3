package controllers

// This file sorts after dataplatform_controller_test.go on purpose: it makes
// the namespace scidata-center, which the Center's own test must find absent.

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// A government-funded entry created with no label at all is covered by the
// city's policy, which selects on the duty label the operator computes; a
// privately funded one is not; and a department's own policy that asks for
// no review does not lift the city's.
func TestTheCityPolicyCoversAGovernmentFundedEntryWithNoLabel(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-duty-works"
	// Its own namespace label, so that no other test's city-wide policy covers it.
	ensureNS(t, ns, map[string]string{"duty-test": "city"})
	ensureNS(t, platform.CenterNamespace, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelCenter})
	city := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: "city-mandatory"},
		Spec: scidatav1.SubmissionPolicySpec{
			Selector:          metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"duty-test": "city"}},
			ReviewRequired:    ptr.To(true),
		}}
	lenient := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "no-review"},
		Spec: scidatav1.SubmissionPolicySpec{Selector: metav1.LabelSelector{MatchLabels: map[string]string{"scidata.io/subject": "hydrology"}}, ReviewRequired: ptr.To(false)}}
	public := fundedEntry(ns, "public-money", "v1", "BZ-DUTY-1")
	public.Labels = map[string]string{"scidata.io/subject": "hydrology"}
	private := fundedEntry(ns, "private-money", "v1", "")
	private.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingPrivate}
	create(t, city, lenient, public, private)

	var sub scidatav1.Submission
	eventually(t, "the government-funded entry's Submission", func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: submission.Name(public.Name, "v1")}, &sub)
	})
	// Whichever policy made it, the city's review holds it back.
	eventually(t, "held for review", func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(&sub), &sub); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(sub.Status.Conditions, scidatav1.ConditionReady); c == nil || c.Reason != scidatav1.ReasonAwaitingReview {
			return fmt.Errorf("the department's policy without review lifted the city's: Ready %+v", c)
		}
		return nil
	})
	eventually(t, "the privately funded entry labelled encouraged and not required", func() error {
		var e scidatav1.CatalogEntry
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(private), &e); err != nil {
			return err
		}
		if e.Labels[scidatav1.LabelDuty] != scidatav1.DutyLabelEncouraged || e.Status.Submission == nil || e.Status.Submission.State != scidatav1.SubmissionNotRequired {
			return fmt.Errorf("labels %v, submission %+v", e.Labels, e.Status.Submission)
		}
		return nil
	})
	if len(submissionsOf(t, ns, private.Name)) != 0 {
		t.Error("a privately funded entry was submitted")
	}
}
