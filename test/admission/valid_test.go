package admission

import (
	"context"
	"k8s.io/utils/ptr"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The rules refuse only what they must: these changes are what departments
// and the operator do every day.
func TestValidChangesAreAccepted(t *testing.T) {
	ctx := context.Background()
	setup(t)
	createAs := func(t *testing.T, user string, o client.Object) {
		t.Helper()
		if err := as(t, user).Create(ctx, o); err != nil {
			t.Fatalf("valid object refused to %q: %v", user, err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, o) })
	}
	create := func(t *testing.T, o client.Object) { t.Helper(); createAs(t, "", o) }
	updateAs := func(t *testing.T, user string, o client.Object) {
		t.Helper()
		if err := as(t, user).Update(ctx, o); err != nil {
			t.Fatalf("valid update refused to %q: %v", user, err)
		}
	}
	update := func(t *testing.T, o client.Object) { t.Helper(); updateAs(t, "", o) }
	statusUpdate := func(t *testing.T, user string, o client.Object) {
		t.Helper()
		if err := as(t, user).Status().Update(ctx, o); err != nil {
			t.Fatalf("valid status update refused to %q: %v", user, err)
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
	t.Run("a department and the Center on the city's External store", func(t *testing.T) {
		p := externalDepartment("external-ok")
		p.Spec.ObjectStore.External.CredentialsSecret.Namespace = "scidata-system"
		create(t, p)
		if got := ptr.Deref(p.Spec.ObjectStore.External.AddressingStyle, ""); got != scidatav1.AddressingPath {
			t.Errorf("addressing style %q, want the default Path", got)
		}
		p.Spec.ObjectStore.External.Region = ptr.To("bazhong-1")
		update(t, p)
		create(t, externalCenter())
	})
	t.Run("a backup to a target cleared for the platform's level", func(t *testing.T) {
		p := department("backed-up")
		p.Spec.Backup = backup(scidatav1.ClassificationInternal)
		create(t, p)
		if got := ptr.Deref(p.Spec.Backup.Keep, 0); got != 7 {
			t.Errorf("keep %d, want the default 7", got)
		}
		c := department("classified-backed-up")
		c.Spec.MaxClassification = scidatav1.ClassificationSecret
		c.Spec.Backup = backup(scidatav1.ClassificationTopSecret)
		create(t, c)
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
		createAs(t, manager, s)
		statusUpdate(t, reviewer, approved(s))
		s.Status.Transfer = &scidatav1.Transfer{JobName: "sync-1", StartedAt: &at}
		statusUpdate(t, manager, s)
		statusUpdate(t, manager, received(s))
		s.Status.Conditions = []metav1.Condition{{Type: scidatav1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Received", LastTransitionTime: later}}
		statusUpdate(t, manager, s)
	})
	t.Run("a platform names its GitOps ServiceAccount as an owner", func(t *testing.T) {
		p := department("named-robot")
		p.Spec.Owners.ServiceAccounts = []scidatav1.ServiceAccountReference{{Namespace: "flux-system", Name: "named-robot-gitops"}}
		create(t, p)
	})
	t.Run("Helm's own managed-by label is free", func(t *testing.T) {
		p := department("helm-made")
		p.Labels = map[string]string{scidatav1.LabelManagedBy: "Helm"}
		create(t, p)
	})
	t.Run("an IPv6 upstream of /48 is within the default bound", func(t *testing.T) {
		c := center()
		c.Spec.Upstream.CIDRs = []string{"198.51.100.0/24", "2001:db8:42::/48"}
		create(t, c)
	})
	t.Run("descriptions keep their tabs and newlines", func(t *testing.T) {
		e := entry(ns, "multiline")
		e.Spec.Description = "Columns:\n\tstation\trainfall_mm\n"
		e.Spec.LocalTitle = "逐时降水量（巴中）"
		createAs(t, owner, e)
	})
	t.Run("raising a classification is free", func(t *testing.T) {
		e := entry(ns, "raised")
		e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
		createAs(t, owner, e)
		e.Spec.Classification = classified(entry(ns, "x")).Spec.Classification
		e.Spec.Classification.Sensitivities = []scidatav1.Sensitivity{scidatav1.SensitivityNationalSecurity}
		updateAs(t, owner, e)
		e.Spec.Classification.SecrecyPeriodEnd = &metav1.Time{Time: e.Spec.Classification.SecrecyPeriodEnd.AddDate(5, 0, 0)}
		updateAs(t, robot, e)
	})
	t.Run("a declassifier declassifies, and the department's robot re-applies it unchanged", func(t *testing.T) {
		e := secretEntry(ns, "declassified")
		createAs(t, owner, e)
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal}
		e.Spec.Declassification = decision(declassifier)
		updateAs(t, declassifier, e)
		e.Spec.Title += " (revised)"
		updateAs(t, robot, e)
	})
	t.Run("a declassifier deletes a classified entry", func(t *testing.T) {
		e := secretEntry(ns, "withdrawn")
		createAs(t, owner, e)
		if err := as(t, declassifier).Delete(ctx, e); err != nil {
			t.Fatalf("the declassifier could not delete it: %v", err)
		}
	})
	t.Run("a classified entry goes with its platform's namespace", func(t *testing.T) {
		// A platform deleted with retention Delete: the operator marks its
		// namespace and deletes it; the namespace's entries go with it, and
		// the declassification rule does not stand in the way.
		const closing = "scidata-closing"
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: closing, Labels: map[string]string{
			scidatav1.LabelPlatform: "water-resources", scidatav1.LabelDepartment: "water-resources",
			scidatav1.LabelRole: scidatav1.RoleLabelDepartment, scidatav1.LabelMaxClassification: string(scidatav1.ClassificationSecret)}}}
		if err := as(t, manager).Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		if err := env.Bind(ctx, "owner-closing", "scidata-platform-admin", owner, closing); err != nil {
			t.Fatal(err)
		}
		e := secretEntry(closing, "survey")
		createAs(t, owner, e)
		patch := client.MergeFrom(n.DeepCopy())
		n.Annotations = map[string]string{scidatav1.AnnotationDeletionApproved: "true"}
		if err := as(t, manager).Patch(ctx, n, patch); err != nil {
			t.Fatal(err)
		}
		if err := as(t, manager).Delete(ctx, n); err != nil {
			t.Fatal(err)
		}
		if err := as(t, owner).Delete(ctx, e); err != nil {
			t.Fatalf("the classified entry of a terminating namespace could not go: %v", err)
		}
	})
	t.Run("a department edits an entry the operator labelled", func(t *testing.T) {
		e := entry(ns, "labelled")
		createAs(t, owner, e)
		patch := client.MergeFrom(e.DeepCopy())
		e.Labels = map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelNone, "team": "hydrology"}
		if err := as(t, manager).Patch(ctx, e, patch); err != nil {
			t.Fatalf("the operator could not label the entry: %v", err)
		}
		e.Spec.Keywords = []string{"rain"}
		e.Labels["team"] = "flood"
		updateAs(t, owner, e)
	})
	t.Run("a long embargo that says why", func(t *testing.T) {
		e := entry(ns, "patent-embargo")
		e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(time.Now().AddDate(8, 0, 0).UTC().Truncate(time.Second)), Reason: scidatav1.EmbargoPatent,
			Justification: "The patent office examines the application for up to eight years; the data opens with the grant."}
		createAs(t, owner, e)
	})
	t.Run("the city's policy in the Center's namespace selects department namespaces", func(t *testing.T) {
		p := policy(centerNS, "city-mandatory")
		p.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment}}
		create(t, p)
	})
}
