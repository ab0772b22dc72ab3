package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// kstatusOf is what kstatus (Flux, `kubectl wait`) makes of obj as stored.
func kstatusOf(t *testing.T, gvk schema.GroupVersionKind, key types.NamespacedName) *kstatus.Result {
	t.Helper()
	var u unstructured.Unstructured
	u.SetGroupVersionKind(gvk)
	if err := env.Client.Get(context.Background(), key, &u); err != nil {
		t.Fatal(err)
	}
	res, err := kstatus.Compute(&u)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// printedColumn is one column of `kubectl get` for an object: the
// apiserver's own table, built from the CRD's printer columns.
func printedColumn(t *testing.T, resource string, key types.NamespacedName, column string) string {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.GroupVersion = &scidatav1.GroupVersion
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rc.Get().NamespaceIfScoped(key.Namespace, key.Namespace != "").Resource(resource).Name(key.Name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	for i, c := range table.ColumnDefinitions {
		if c.Name == column && len(table.Rows) == 1 {
			return fmt.Sprint(table.Rows[0].Cells[i])
		}
	}
	t.Fatalf("kubectl get %s %s has no column %s: %+v", resource, key, column, table.ColumnDefinitions)
	return ""
}

// pausedCondition is the object's ReconciliationPaused condition, or nil.
func pausedCondition(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, scidatav1.ConditionReconciliationPaused)
}

// A suspended platform is reconciled no further, and says so: the
// ReconciliationPaused condition names who suspended it and how to resume,
// `kubectl get` shows Paused True, kstatus reads it InProgress while a spec
// change waits, and the metrics count it. Cleared, it resumes: the waiting
// change is applied and the platform is Ready and Current again.
func TestSuspendPausesAPlatformAndSaysSo(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "paused", nil)
	key := types.NamespacedName{Name: dp.Name}
	gvk := scidatav1.GroupVersion.WithKind("DataPlatform")
	observed := dp.Status.ObservedGeneration

	// As `kubectl patch` would, under its field manager.
	if err := env.Client.Patch(ctx, dp, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"suspend":true}}`)), client.FieldOwner("kubectl-patch")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused", func() error {
		c := pausedCondition(getPlatform(t, dp.Name).Status.Conditions)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonSuspended || !strings.Contains(c.Message, `by "kubectl-patch"`) {
			return fmt.Errorf("ReconciliationPaused %+v", c)
		}
		return nil
	})
	if got := printedColumn(t, "dataplatforms", key, "Paused"); got != "True" {
		t.Errorf("kubectl get dataplatform shows Paused %q; want True", got)
	}

	// A spec change waits: the portal is not scaled while paused.
	reconciled := reconciles(t)
	if err := env.Client.Patch(ctx, dp, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"portal":{"replicas":2}}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a pass over the paused platform", func() error {
		if reconciles(t) <= reconciled {
			return fmt.Errorf("no reconcile yet")
		}
		return nil
	})
	portal := types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}
	var d appsv1.Deployment
	if err := env.Client.Get(ctx, portal, &d); err != nil {
		t.Fatal(err)
	}
	if r := ptr.Deref(d.Spec.Replicas, 1); r != 1 {
		t.Errorf("a paused platform's portal was scaled to %d", r)
	}
	live := getPlatform(t, dp.Name)
	if live.Status.ObservedGeneration != observed || !meta.IsStatusConditionTrue(live.Status.Conditions, scidatav1.ConditionReady) {
		t.Errorf("pausing rewrote the last reconcile's verdict: observedGeneration %d (was %d), Ready %s", live.Status.ObservedGeneration, observed, platformCondition(live, scidatav1.ConditionReady))
	}
	if res := kstatusOf(t, gvk, key); res.Status != kstatus.InProgressStatus {
		t.Errorf("a paused platform with a waiting change is %s to kstatus (%s); want InProgress", res.Status, res.Message)
	}
	eventually(t, "paused in the metrics", func() error {
		m := scrape(t)
		return firstError(m.is("scidata_platform_condition", 1, "platform", dp.Name, "type", "ReconciliationPaused"),
			m.atLeast("scidata_reconciliation_paused", 1, "kind", "DataPlatform"))
	})

	// Resumed: the waiting change is applied, and the platform is Current
	// once its portal runs two pods.
	if err := env.Client.Patch(ctx, dp, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"suspend":false}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the portal scaled after resuming", func() error {
		if err := env.Client.Get(ctx, portal, &d); err != nil {
			return err
		}
		if r := ptr.Deref(d.Spec.Replicas, 1); r != 2 {
			return fmt.Errorf("portal replicas %d", r)
		}
		return nil
	})
	setStatus(t, &d, func() {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, UpdatedReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	})
	live = waitReady(t, dp.Name)
	if c := pausedCondition(live.Status.Conditions); c != nil {
		t.Errorf("resumed but still %+v", c)
	}
	if res := kstatusOf(t, gvk, key); res.Status != kstatus.CurrentStatus {
		t.Errorf("a resumed Ready platform is %s to kstatus (%s)", res.Status, res.Message)
	}
	if got := printedColumn(t, "dataplatforms", key, "Paused"); got != "<nil>" && got != "" {
		t.Errorf("kubectl get dataplatform shows Paused %q after resuming; want it empty", got)
	}
}

// A suspended policy makes no Submission but keeps counting what it
// covers, and says who suspended it; resumed, it makes the Submission.
func TestSuspendedPolicyMakesNoSubmissionAndSaysSo(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-paused-works"
	ensureNS(t, ns, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "held"},
		Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true), Suspend: true}}
	e := fundedEntry(ns, "held-data", "v1", "BZ-HELD")
	e.Spec.Funding = nil // no duty: covered by this policy alone, not the city's
	// As Flux's kustomize-controller would apply it.
	if err := env.Client.Create(ctx, p, client.FieldOwner("kustomize-controller")); err != nil {
		t.Fatal(err)
	}
	create(t, e)
	key := client.ObjectKeyFromObject(p)
	gvk := scidatav1.GroupVersion.WithKind("SubmissionPolicy")
	var live scidatav1.SubmissionPolicy
	eventually(t, "paused and counting", func() error {
		if err := env.Client.Get(ctx, key, &live); err != nil {
			return err
		}
		c := pausedCondition(live.Status.Conditions)
		if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, `by "kustomize-controller"`) ||
			live.Status.SelectedEntries != 1 || live.Status.Counts.Pending != 1 {
			return fmt.Errorf("ReconciliationPaused %+v, status %+v", c, live.Status)
		}
		return nil
	})
	// The pass that counted the entry would have made its Submission.
	if subs := submissionsOf(t, ns, e.Name); len(subs) != 0 {
		t.Fatalf("a suspended policy made %d Submissions", len(subs))
	}
	if res := kstatusOf(t, gvk, key); res.Status != kstatus.InProgressStatus {
		t.Errorf("a suspended policy is %s to kstatus (%s); want InProgress", res.Status, res.Message)
	}
	if got := printedColumn(t, "submissionpolicies", key, "Paused"); got != "True" {
		t.Errorf("kubectl get submissionpolicy shows Paused %q; want True", got)
	}
	eventually(t, "paused in the metrics", func() error {
		return scrape(t).atLeast("scidata_reconciliation_paused", 1, "kind", "SubmissionPolicy")
	})

	if err := env.Client.Patch(ctx, &live, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"suspend":null}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "resumed: the Submission made, the policy Current", func() error {
		if n := len(submissionsOf(t, ns, e.Name)); n != 1 {
			return fmt.Errorf("%d Submissions", n)
		}
		if err := env.Client.Get(ctx, key, &live); err != nil {
			return err
		}
		if c := pausedCondition(live.Status.Conditions); c != nil {
			return fmt.Errorf("still %+v", c)
		}
		if res := kstatusOf(t, gvk, key); res.Status != kstatus.CurrentStatus {
			return fmt.Errorf("kstatus %s: %s", res.Status, res.Message)
		}
		return nil
	})
}
