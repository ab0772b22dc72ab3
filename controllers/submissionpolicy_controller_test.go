package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// ensureNS makes a namespace with labels, as a platform's: labelled
// scidata.io/platform for the platform its name names.
func ensureNS(t *testing.T, name string, labels map[string]string) {
	t.Helper()
	l := map[string]string{scidatav1.LabelPlatform: strings.TrimPrefix(name, scidatav1.NamespacePrefix)}
	for k, v := range labels {
		l[k] = v
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
	if err := env.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func fundedEntry(ns, name, version, project string) *scidatav1.CatalogEntry {
	accept := metav1.NewTime(time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second))
	return &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title: name, Description: name, Subject: "Hydrology", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: "water-works", Name: "Water Works"},
			ProvidingDepartment:   scidatav1.Provider{Name: "Survey"},
			Data:                  scidatav1.DataLocation{Prefix: name + "/", ContentVersion: version},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessOffline},
			Funding:               &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: project, AcceptanceDate: &accept},
		},
	}
}

func submissionsOf(t *testing.T, ns, entry string) []scidatav1.Submission {
	t.Helper()
	var list scidatav1.SubmissionList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{submission.LabelEntry: entry}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// A department policy and the city-wide policy cover one funded entry: one
// Submission per content version, with the stricter review rule and the
// earlier deadline; both policies count it, and the project is not ready
// for acceptance until it is received.
func TestPoliciesMakeOneSubmissionPerVersion(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-water-works"
	ensureNS(t, ns, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})
	ensureNS(t, platform.CenterNamespace, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelCenter})
	dept := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "funded"},
		Spec: scidatav1.SubmissionPolicySpec{Selector: metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}}, ReviewRequired: ptr.To(false)}}
	city := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: "city-funded"},
		Spec: scidatav1.SubmissionPolicySpec{
			Selector:          metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment}},
			ReviewRequired:    ptr.To(true),
			Deadline:          &metav1.Duration{Duration: 720 * time.Hour},
		}}
	e := fundedEntry(ns, "reservoir-levels", "2024.06", "BZ-2024-017")
	create(t, city, dept, e)

	name := submission.Name(e.Name, "2024.06")
	var sub scidatav1.Submission
	eventually(t, "the Submission", func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &sub)
	})
	// Whichever policy's pass made the Submission (the cache may not yet
	// have shown it the other), the city's review holds it back.
	if sub.Spec.Department != "water-works" || sub.Spec.EntryUID == "" || sub.Spec.ContentVersion != "2024.06" {
		t.Errorf("submission spec %+v", sub.Spec)
	}
	eventually(t, "awaiting review", func() error {
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &sub); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(sub.Status.Conditions, scidatav1.ConditionReady); c == nil || c.Reason != "AwaitingReview" {
			return fmt.Errorf("Ready %+v", c)
		}
		return nil
	})
	for _, p := range []*scidatav1.SubmissionPolicy{dept, city} {
		eventually(t, "status of "+p.Name, func() error {
			var live scidatav1.SubmissionPolicy
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
				return err
			}
			st := live.Status
			if st.ObservedGeneration != live.Generation || st.SelectedEntries != 1 || st.Counts.AwaitingReview != 1 {
				return fmt.Errorf("status %+v", st)
			}
			return nil
		})
	}

	eventually(t, "the entry shows its submission", func() error {
		var live scidatav1.CatalogEntry
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(e), &live); err != nil {
			return err
		}
		if st := live.Status.Submission; st == nil || st.State != scidatav1.SubmissionAwaitingReview || st.Name != name {
			return fmt.Errorf("entry submission status %+v", st)
		}
		return nil
	})

	t.Run("a new content version is a new submission; the old one stays", func(t *testing.T) {
		bumpVersion(t, e, "2024.07")
		eventually(t, "two submissions", func() error {
			if n := len(submissionsOf(t, ns, e.Name)); n != 2 {
				return fmt.Errorf("%d submissions", n)
			}
			return nil
		})
	})

	t.Run("managers racing after a crash make no duplicate", func(t *testing.T) {
		bumpVersion(t, e, "2024.08")
		// Two more managers' reconcilers, as after a restart, reconcile
		// both policies at once, beside the running manager.
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func(p *scidatav1.SubmissionPolicy) {
				defer wg.Done()
				r := &SubmissionPolicyReconciler{Client: env.Client, Recorder: discardRecorder{}, Clock: clock.RealClock{}}
				_, _ = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
			}([]*scidatav1.SubmissionPolicy{dept, city}[i%2])
		}
		wg.Wait()
		eventually(t, "three submissions, one per version", func() error {
			subs := submissionsOf(t, ns, e.Name)
			versions := map[string]int{}
			for _, s := range subs {
				versions[s.Spec.ContentVersion]++
			}
			if len(subs) != 3 || versions["2024.08"] != 1 {
				return fmt.Errorf("%d submissions: %v", len(subs), versions)
			}
			return nil
		})
	})
}

// A deadline passing makes the entry overdue at that moment: the policy
// requeues itself for it, with no polling.
func TestOverdueAtTheDeadline(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-late-works"
	ensureNS(t, ns, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "quick"},
		Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true), Deadline: &metav1.Duration{Duration: 2 * time.Second}}}
	create(t, p, fundedEntry(ns, "late", "v1", "BZ-LATE"))
	eventually(t, "overdue", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
			return err
		}
		if live.Status.Counts.Overdue != 1 || len(live.Status.Overdue) != 1 || !meta.IsStatusConditionTrue(live.Status.Conditions, scidatav1.ConditionOverdue) {
			return fmt.Errorf("status %+v", live.Status)
		}
		return nil
	})
}

// bumpVersion changes an entry's content version as a department would,
// with a patch: the controllers write the entry's status meanwhile.
func bumpVersion(t *testing.T, e *scidatav1.CatalogEntry, version string) {
	t.Helper()
	patch := []byte(fmt.Sprintf(`{"spec":{"data":{"contentVersion":%q}}}`, version))
	if err := env.Client.Patch(context.Background(), e, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
}
