package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

const reviewNS = "scidata-water-resources"

var (
	statusWriter = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"submissions", "submissions/status"}, Verbs: []string{"get", "update", "patch"}}
	reviewer     = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"reviewers"}, ResourceNames: []string{"water-resources"}, Verbs: []string{"approve"}}
	entryEditor  = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"catalogentries"}, Verbs: []string{"get", "update", "patch"}}
)

func newSubmission(name string) *scidatav1.Submission {
	return &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: reviewNS, Name: name},
		Spec: scidatav1.SubmissionSpec{
			Entry: scidatav1.LocalObjectReference{Name: "rainfall"}, EntryUID: "uid-rainfall", Department: "water-resources",
			ContentVersion: "2024.06", SourcePrefix: "hydrology/rainfall/", Policy: reviewNS + "/funded", ReviewRequired: true,
		},
	}
}

func review(s *scidatav1.Submission, by string, d scidatav1.ReviewDecision) {
	s.Status.Review = &scidatav1.Review{Decision: d, By: by, At: metav1.NewTime(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)), Comment: "checked"}
}

// Only a reviewer of the department, writing under their own name and
// unable to edit the department's entries, may decide on a submission; only
// the operator creates submissions and writes their transfer and receipt.
func TestSubmissionReview(t *testing.T) {
	ctx := context.Background()
	installAdmission(t)
	waitForPolicies(t)
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: reviewNS}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	manager := asManager(t)
	alice := as(t, "alice@water", statusWriter, reviewer)
	mallory := as(t, "mallory@water", statusWriter)
	bob := as(t, "bob@water", statusWriter, reviewer, entryEditor)

	t.Run("nobody but the operator creates a Submission", func(t *testing.T) {
		err := env.Client.Create(ctx, newSubmission("by-admin"))
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "created by the operator") {
			t.Fatalf("an administrator created a Submission: %v", err)
		}
	})

	decide := func(t *testing.T, c client.Client, name, by string, d scidatav1.ReviewDecision) error {
		t.Helper()
		s := newSubmission(name)
		if err := manager.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("the operator could not create a Submission: %v", err)
		}
		var live scidatav1.Submission
		if err := c.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: name}, &live); err != nil {
			t.Fatal(err)
		}
		review(&live, by, d)
		return c.Status().Update(ctx, &live)
	}
	refusals := []struct {
		name, user, by, want string
		c                    client.Client
	}{
		{"a user who is not a reviewer of the department", "mallory@water", "mallory@water", "is not a reviewer of department water-resources", mallory},
		{"a reviewer approving in someone else's name", "alice@water", "carol@water", "must be the user who writes the review (alice@water)", alice},
		{"a reviewer who can edit the department's entries", "bob@water", "bob@water", "cannot approve their submissions (separation of duties)", bob},
		{"the operator itself", managerUser, managerUser, "the operator never reviews", manager},
	}
	for i, r := range refusals {
		t.Run("refused: "+r.name, func(t *testing.T) {
			err := decide(t, r.c, "refused-"+string(rune('a'+i)), r.by, scidatav1.ReviewApproved)
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("got %v; want Forbidden containing %q", err, r.want)
			}
		})
	}
	t.Run("a reviewer of the department approves in their own name", func(t *testing.T) {
		if err := decide(t, alice, "approved", "alice@water", scidatav1.ReviewApproved); err != nil {
			t.Fatalf("the reviewer's approval was refused: %v", err)
		}
	})
	t.Run("a reviewer cannot write the transfer or the receipt", func(t *testing.T) {
		var live scidatav1.Submission
		if err := alice.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: "approved"}, &live); err != nil {
			t.Fatal(err)
		}
		live.Status.Transfer = &scidatav1.Transfer{JobName: "sync-forged"}
		err := alice.Status().Update(ctx, &live)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "only the operator writes") {
			t.Fatalf("a reviewer wrote the transfer: %v", err)
		}
	})
	t.Run("the operator writes the transfer", func(t *testing.T) {
		var live scidatav1.Submission
		if err := manager.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: "approved"}, &live); err != nil {
			t.Fatal(err)
		}
		now := metav1.NewTime(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
		live.Status.Transfer = &scidatav1.Transfer{JobName: "sync-water-resources-rainfall", StartedAt: &now}
		if err := manager.Status().Update(ctx, &live); err != nil {
			t.Fatalf("the operator could not write the transfer: %v", err)
		}
	})
	t.Run("a Submission is never deleted while its namespace lives", func(t *testing.T) {
		err := env.Client.Delete(ctx, newSubmission("approved"))
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "is kept") {
			t.Fatalf("a Submission was deleted: %v", err)
		}
	})
}

var curator = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"curators"}, ResourceNames: []string{"center"}, Verbs: []string{"accept"}}

// A Center curator accepts a transferred submission in their own name,
// holding the verb accept on curators named center, and never the
// department's reviewer of that submission; nobody reviews a withdrawn
// submission; only the operator writes Projects.
func TestCuratorAcceptanceAndRecords(t *testing.T) {
	ctx := context.Background()
	installAdmission(t)
	waitForPolicies(t)
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: reviewNS}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	manager := asManager(t)
	alice := as(t, "alice@water", statusWriter, reviewer)
	carol := as(t, "carol@center", statusWriter, curator)
	reviewingCurator := as(t, "dave@water", statusWriter, reviewer, curator)
	mallory := as(t, "mallory@center", statusWriter)
	at := metav1.NewTime(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))

	// transferred is a Submission reviewed by reviewer and transferred, as
	// the operator records it.
	transferred := func(t *testing.T, name string, by client.Client, reviewerName string) {
		t.Helper()
		if err := manager.Create(ctx, newSubmission(name)); err != nil {
			t.Fatal(err)
		}
		var live scidatav1.Submission
		if err := by.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: name}, &live); err != nil {
			t.Fatal(err)
		}
		review(&live, reviewerName, scidatav1.ReviewApproved)
		if err := by.Status().Update(ctx, &live); err != nil {
			t.Fatalf("the review was refused: %v", err)
		}
		live.Status.Transfer = &scidatav1.Transfer{JobName: "sync-" + name, StartedAt: &at, CompletedAt: &at, ManifestDigest: "sha256:00"}
		if err := manager.Status().Update(ctx, &live); err != nil {
			t.Fatalf("the operator could not record the transfer: %v", err)
		}
	}
	accept := func(c client.Client, name, by string) error {
		var live scidatav1.Submission
		if err := c.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: name}, &live); err != nil {
			return err
		}
		live.Status.Acceptance = &scidatav1.CuratorAcceptance{By: by, At: at}
		return c.Status().Update(ctx, &live)
	}
	transferred(t, "to-accept", alice, "alice@water")
	transferred(t, "reviewed-by-dave", reviewingCurator, "dave@water")
	for _, r := range []struct {
		name, sub, by, want string
		c                   client.Client
	}{
		{"a curator acceptance by the department's reviewer", "reviewed-by-dave", "dave@water", "reviewed this submission for department water-resources and so cannot also accept it", reviewingCurator},
		{"a user who is not a curator of the Center", "to-accept", "mallory@center", "is not a curator of the Center", mallory},
		{"a curator accepting in someone else's name", "to-accept", "erin@center", "must be the user who writes the acceptance (carol@center)", carol},
		{"the operator accepts", "to-accept", managerUser, "the operator never accepts", manager},
	} {
		t.Run("refused: "+r.name, func(t *testing.T) {
			if err := accept(r.c, r.sub, r.by); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("got %v; want Forbidden containing %q", err, r.want)
			}
		})
	}
	t.Run("a curator of the Center accepts in their own name", func(t *testing.T) {
		if err := accept(carol, "to-accept", "carol@center"); err != nil {
			t.Fatalf("the curator's acceptance was refused: %v", err)
		}
	})
	t.Run("a withdrawn submission is never approved", func(t *testing.T) {
		if err := manager.Create(ctx, newSubmission("withdrawn")); err != nil {
			t.Fatal(err)
		}
		var live scidatav1.Submission
		if err := manager.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: "withdrawn"}, &live); err != nil {
			t.Fatal(err)
		}
		live.Status.Withdrawal = &scidatav1.Withdrawal{At: at, Reason: scidatav1.ReasonEntryDeleted}
		if err := manager.Status().Update(ctx, &live); err != nil {
			t.Fatalf("the operator could not withdraw: %v", err)
		}
		if err := alice.Get(ctx, types.NamespacedName{Namespace: reviewNS, Name: "withdrawn"}, &live); err != nil {
			t.Fatal(err)
		}
		review(&live, "alice@water", scidatav1.ReviewApproved)
		if err := alice.Status().Update(ctx, &live); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "a withdrawn submission is a record and takes no review") {
			t.Fatalf("a withdrawn submission was approved: %v", err)
		}
	})
	t.Run("nobody but the operator writes a Project", func(t *testing.T) {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-center"}}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		p := &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-center", Name: "forged-project"}}
		if err := env.Client.Create(ctx, p); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "written by the operator") {
			t.Fatalf("an administrator created a Project: %v", err)
		}
		p = &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-center", Name: "a-project"}}
		if err := manager.Create(ctx, p); err != nil {
			t.Fatalf("the operator could not create a Project: %v", err)
		}
		p.Status.ProjectID = "BZ-1"
		if err := env.Client.Status().Update(ctx, p); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "written by the operator") {
			t.Fatalf("an administrator wrote a Project's status: %v", err)
		}
		if err := env.Client.Delete(ctx, p); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "is kept") {
			t.Fatalf("a Project was deleted: %v", err)
		}
	})
}
