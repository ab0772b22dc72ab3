package admission

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The rules refuse only what they must: these changes are what departments
// and the operator do every day.
func TestValidChangesAreAccepted(t *testing.T) {
	ctx := context.Background()
	ensureNamespace(t, ns)
	create := func(t *testing.T, o client.Object) {
		t.Helper()
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("valid object refused: %v", err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, o) })
	}
	update := func(t *testing.T, o client.Object) {
		t.Helper()
		if err := env.Client.Update(ctx, o); err != nil {
			t.Fatalf("valid update refused: %v", err)
		}
	}
	statusUpdate := func(t *testing.T, o client.Object) {
		t.Helper()
		if err := env.Client.Status().Update(ctx, o); err != nil {
			t.Fatalf("valid status update refused: %v", err)
		}
	}

	t.Run("the Center named center, with upstream and public namespaces", func(t *testing.T) {
		c := center()
		create(t, c)
		if c.Spec.Storage.Retention != scidatav1.RetentionRetain || c.Spec.ObjectStore.Mode != scidatav1.ObjectStoreManaged {
			t.Errorf("defaults not applied: retention %q, object store %q", c.Spec.Storage.Retention, c.Spec.ObjectStore.Mode)
		}
		if c.Status.ObservedGeneration != 0 && c.Status.ObservedGeneration != -1 {
			t.Errorf("observedGeneration starts at %d", c.Status.ObservedGeneration)
		}
	})
	t.Run("storage grows", func(t *testing.T) {
		p := department("grows")
		create(t, p)
		p.Spec.Storage.Size = resource.MustParse("20Gi")
		update(t, p)
	})
	t.Run("a new content version may move the data", func(t *testing.T) {
		e := entry(ns, "moves")
		create(t, e)
		e.Spec.Data = scidatav1.DataLocation{Prefix: "hydrology/rainfall-v2/", ContentVersion: "2024.07"}
		update(t, e)
	})
	t.Run("an embargo already past is accepted: CEL has no clock and GitOps re-applies", func(t *testing.T) {
		e := entry(ns, "past-embargo")
		e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), Reason: scidatav1.EmbargoPaper}
		create(t, e)
	})
	t.Run("classified data shared by reviewed exception", func(t *testing.T) {
		e := classified(entry(ns, "exception"))
		e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Planning agencies of the city only", ReviewProcedure: "The bureau's secrecy office reviews purpose, qualification and safeguards within 15 working days."}
		create(t, e)
	})
	t.Run("a submission is approved, transferred and receipted", func(t *testing.T) {
		s := submission(ns, "lifecycle")
		create(t, s)
		statusUpdate(t, approved(s))
		s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-1", StartedAt: &at}
		statusUpdate(t, s)
		statusUpdate(t, received(s))
		s.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Received", LastTransitionTime: later}}
		statusUpdate(t, s)
	})
}
