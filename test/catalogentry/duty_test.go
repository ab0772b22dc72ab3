package catalogentry

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/duty"
)

// The duty to submit follows the entry's facts, not its labels: the
// controller computes it, writes it to status and mirrors it to
// scidata.io/duty, puts the label back when someone else changes it, and
// follows a change of funding.
func TestTheDutyIsComputedAndMirroredToItsLabel(t *testing.T) {
	ctx := context.Background()
	e := newEntry("scidata-water-resources", "funded")
	e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZSL-2024-003"}
	h := newHarness(t, e)

	_, _, got := h.pass()
	if got.Labels[scidatav1.LabelDuty] != scidatav1.DutyLabelMandatory || got.Status.Duty == nil ||
		got.Status.Duty.Level != scidatav1.DutyMandatory || got.Status.Duty.Reason != duty.ReasonGovernmentFunded {
		t.Fatalf("a government-funded entry: label %q, status.duty %+v", got.Labels[scidatav1.LabelDuty], got.Status.Duty)
	}
	if ev := strings.Join(h.drainEvents(), "\n"); !strings.Contains(ev, "DutyChanged duty to submit is Mandatory (GovernmentFunded)") {
		t.Errorf("no event for the duty:\n%s", ev)
	}

	// Someone who bypasses admission (no policy installed here) relabels it.
	patch := client.MergeFrom(got.DeepCopy())
	got.Labels[scidatav1.LabelDuty] = scidatav1.DutyLabelNone
	if err := env.Client.Patch(ctx, got, patch); err != nil {
		t.Fatal(err)
	}
	if _, writes, again := h.pass(); again.Labels[scidatav1.LabelDuty] != scidatav1.DutyLabelMandatory || writes != 1 {
		t.Fatalf("after a relabel: label %q after %d writes; want mandatory after exactly one", again.Labels[scidatav1.LabelDuty], writes)
	}

	// A change of funding, made by a declassifier (admission checks who).
	fresh := &scidatav1.CatalogEntry{}
	if err := env.Client.Get(ctx, h.key, fresh); err != nil {
		t.Fatal(err)
	}
	fresh.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingPrivate}
	if err := env.Client.Update(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	_, _, got = h.pass()
	if got.Labels[scidatav1.LabelDuty] != scidatav1.DutyLabelEncouraged || got.Status.Duty.Level != scidatav1.DutyEncouraged {
		t.Fatalf("privately funded: label %q, status.duty %+v", got.Labels[scidatav1.LabelDuty], got.Status.Duty)
	}
	if _, writes, _ := h.pass(); writes != 0 {
		t.Errorf("a steady pass wrote %d times", writes)
	}
}

// A declassification decision in spec is recorded in status, with the
// generation the operator first saw it at, and announced by a Warning
// event; the record stays when the decision is later removed from spec.
func TestADeclassificationIsRecordedInStatusAndAnEvent(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, newEntry("scidata-water-resources", "declassified"))
	h.pass()
	h.drainEvents()

	var e scidatav1.CatalogEntry
	if err := env.Client.Get(ctx, h.key, &e); err != nil {
		t.Fatal(err)
	}
	e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal}
	e.Spec.Declassification = &scidatav1.Declassification{By: "secrecy-officer@water-resources", At: metav1.NewTime(t0),
		Reason: "The province published the results.", Reference: "BZSL-BM-2026-002"}
	if err := env.Client.Update(ctx, &e); err != nil {
		t.Fatal(err)
	}
	_, _, got := h.pass()
	rec := got.Status.Declassification
	if rec == nil || rec.By != "secrecy-officer@water-resources" || rec.Reference != "BZSL-BM-2026-002" ||
		rec.Level != scidatav1.ClassificationInternal || rec.Generation != got.Generation || !rec.At.Time.Equal(t0) {
		t.Fatalf("status.declassification %+v (generation %d)", rec, got.Generation)
	}
	if ev := strings.Join(h.drainEvents(), "\n"); !strings.Contains(ev, "Warning Declassified secrecy-officer@water-resources declassified the entry") ||
		!strings.Contains(ev, "(BZSL-BM-2026-002), leaving it Internal") {
		t.Errorf("events after the declassification:\n%s", ev)
	}
	if _, writes, _ := h.pass(); writes != 0 {
		t.Errorf("the same decision wrote %d times on a second pass", writes)
	}
	if ev := h.drainEvents(); len(ev) != 0 {
		t.Errorf("the same decision was announced again: %v", ev)
	}

	got.Spec.Declassification = nil
	if err := env.Client.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if _, _, after := h.pass(); after.Status.Declassification == nil || after.Status.Declassification.Generation != rec.Generation {
		t.Errorf("the record went with the decision: %+v", after.Status.Declassification)
	}
}
