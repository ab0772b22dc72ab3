package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/prometheus/prometheus/promql/parser"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// setHibernation sets spec.hibernation as `kubectl patch` would.
func setHibernation(t *testing.T, dp *scidatav1.DataPlatform, h scidatav1.Hibernation) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"hibernation":%q}}`, h)
	if err := env.Client.Patch(context.Background(), &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: dp.Name}}, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatal(err)
	}
}

// workloadReplicas are the replicas the store's StatefulSet and the
// portal's Deployment ask for.
func workloadReplicas(t *testing.T, dp *scidatav1.DataPlatform) (store, portal int32) {
	t.Helper()
	ctx := context.Background()
	ns := platform.Namespace(dp)
	var sts appsv1.StatefulSet
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.ObjectStoreName}, &sts); err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.PortalName}, &d); err != nil {
		t.Fatal(err)
	}
	return ptr.Deref(sts.Spec.Replicas, 1), ptr.Deref(d.Spec.Replicas, 1)
}

// waitCondition waits for the platform's condition typ to have status and
// reason, and returns the platform.
func waitCondition(t *testing.T, name, typ string, status metav1.ConditionStatus, reason string) *scidatav1.DataPlatform {
	t.Helper()
	var dp *scidatav1.DataPlatform
	eventually(t, fmt.Sprintf("%s %s %s %s", name, typ, status, reason), func() error {
		dp = getPlatform(t, name)
		c := meta.FindStatusCondition(dp.Status.Conditions, typ)
		if c == nil || c.Status != status || c.Reason != reason || dp.Status.ObservedGeneration != dp.Generation {
			return fmt.Errorf("%s is %+v (observedGeneration %d of %d)", typ, c, dp.Status.ObservedGeneration, dp.Generation)
		}
		return nil
	})
	return dp
}

// leftoverPod creates a pod of one of the platform's workloads from its
// template, as a kubelet still running it would show it (envtest runs no
// workload controller and no kubelet: the test plays both).
func leftoverPod(t *testing.T, dp *scidatav1.DataPlatform, name string, tmpl corev1.PodTemplateSpec) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: platform.Namespace(dp), Name: name, Labels: tmpl.Labels}, Spec: tmpl.Spec}
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.Name == platform.ObjectStoreDataVolume {
				pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: m.Name, VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-objectstore-0"}}})
				break
			}
		}
	}
	create(t, pod)
	return pod
}

// Hibernating a platform scales its store and portal to zero and keeps
// everything else; it says Hibernating while pods are left, and Hibernated
// (Ready False, neither Reconciling nor Stalled, the Hibernated condition
// True, the metric the alert leaves out at 1) only once no pod is. A pass
// over a hibernated platform writes nothing. Resumed, the workloads come
// back to the spec's replicas and the platform is Ready when they run.
func TestHibernationStopsTheWorkloadsKeepsTheDataAndResumes(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "sleepy", nil)
	ns := platform.Namespace(dp)
	var sts appsv1.StatefulSet
	var d appsv1.Deployment
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.ObjectStoreName}, &sts); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.PortalName}, &d); err != nil {
		t.Fatal(err)
	}
	storePod := leftoverPod(t, dp, platform.ObjectStoreName+"-0", sts.Spec.Template)
	portalPod := leftoverPod(t, dp, platform.PortalName+"-abc", d.Spec.Template)
	secretsBefore := managedSecrets(t, ns)

	setHibernation(t, dp, scidatav1.HibernationHibernated)
	eventually(t, "workloads scaled to zero", func() error {
		if s, p := workloadReplicas(t, dp); s != 0 || p != 0 {
			return fmt.Errorf("store %d, portal %d replicas", s, p)
		}
		return nil
	})
	// The workloads still report pods, and pods are left: Hibernating.
	got := waitCondition(t, dp.Name, scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernating)
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionReconciling); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Reconciling while the pods stop: %+v", c)
	}
	setStatus(t, &sts, func() { sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation} })
	setStatus(t, &d, func() { d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation} })
	eventually(t, "the Ready message names the pods left", func() error {
		c := meta.FindStatusCondition(getPlatform(t, dp.Name).Status.Conditions, scidatav1.ConditionReady)
		if c == nil || c.Reason != scidatav1.ReasonHibernating || !strings.Contains(c.Message, storePod.Name) || !strings.Contains(c.Message, portalPod.Name) {
			return fmt.Errorf("Ready %+v", c)
		}
		return nil
	})
	for _, p := range []*corev1.Pod{storePod, portalPod} {
		if err := env.Client.Delete(ctx, p, client.GracePeriodSeconds(0)); err != nil {
			t.Fatal(err)
		}
	}
	// The portal's pods are not in the manager's cache, and their deletion
	// wakes nothing: a later event (here the Deployment's status, as the
	// Deployment controller writes it when its last pod goes) does.
	setStatus(t, &d, func() {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	})

	got = waitCondition(t, dp.Name, scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernated)
	for _, typ := range []string{scidatav1.ConditionReconciling, scidatav1.ConditionStalled} {
		if c := meta.FindStatusCondition(got.Status.Conditions, typ); c != nil {
			t.Errorf("a hibernated platform has %s %+v", typ, c)
		}
	}
	for typ, want := range map[string]string{scidatav1.ConditionHibernated: "True", scidatav1.ConditionStorageReady: "False", scidatav1.ConditionPortalReady: "False"} {
		c := meta.FindStatusCondition(got.Status.Conditions, typ)
		if c == nil || string(c.Status) != want || c.Reason != scidatav1.ReasonHibernated {
			t.Errorf("%s %+v; want %s %s", typ, c, want, scidatav1.ReasonHibernated)
		}
	}
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionReady); !strings.Contains(c.Message, "spec.hibernation to Running") {
		t.Errorf("Ready does not say how to resume: %q", c.Message)
	}
	if col := printedColumn(t, "dataplatforms", types.NamespacedName{Name: dp.Name}, "Hibernated"); col != "True" {
		t.Errorf("kubectl get dataplatform shows Hibernated %q; want True", col)
	}
	eventually(t, "the metric the alert leaves out", func() error {
		m := scrape(t)
		if err := m.is("scidata_platform_condition", 1, "platform", dp.Name, "type", scidatav1.ConditionHibernated); err != nil {
			return err
		}
		return m.is("scidata_platform_condition", 0, "platform", dp.Name, "type", scidatav1.ConditionReady)
	})
	// Nothing that holds data or grants access went.
	var pvc corev1.PersistentVolumeClaim
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "data-objectstore-0"}, &pvc); err != nil || pvc.Status.Phase != corev1.ClaimBound {
		t.Errorf("claim after hibernation: %v, phase %s", err, pvc.Status.Phase)
	}
	if after := managedSecrets(t, ns); after != secretsBefore {
		t.Errorf("Secrets before hibernation %s, after %s", secretsBefore, after)
	}

	// A pass over the hibernated platform writes nothing.
	before, w0 := reconciles(t), writes.Load()
	if err := env.Client.Patch(ctx, got, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"example.org/touched":"yes"}}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a reconcile after the annotation", func() error {
		if reconciles(t) <= before {
			return fmt.Errorf("no reconcile yet")
		}
		return nil
	})
	if n := writes.Load() - w0; n != 0 {
		t.Errorf("a pass over a hibernated platform made %d write requests; want 0", n)
	}

	setHibernation(t, dp, scidatav1.HibernationRunning)
	eventually(t, "workloads back to the spec's replicas", func() error {
		if s, p := workloadReplicas(t, dp); s != 1 || p != 1 {
			return fmt.Errorf("store %d, portal %d replicas", s, p)
		}
		return nil
	})
	if c := meta.FindStatusCondition(getPlatform(t, dp.Name).Status.Conditions, scidatav1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue {
		t.Errorf("Ready before the pods run: %+v", c)
	}
	setStatus(t, &sts, func() {
		sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1, CurrentReplicas: 1}
	})
	setStatus(t, &d, func() {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	})
	if c := meta.FindStatusCondition(waitReady(t, dp.Name).Status.Conditions, scidatav1.ConditionHibernated); c != nil {
		t.Errorf("a resumed platform keeps %+v", c)
	}
}

// managedSecrets names the operator's Secrets in ns with their UIDs.
func managedSecrets(t *testing.T, ns string) string {
	t.Helper()
	var list corev1.SecretList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{scidatav1.LabelManagedBy: scidatav1.ManagedBy}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Name+"="+string(s.UID))
	}
	return strings.Join(out, ",")
}

// pendingGrant makes two ready departments, <prefix>-owner and
// <prefix>-user, a conditional entry of the owner and the user's request
// for it, Pending.
func pendingGrant(t *testing.T, prefix, entry string) (owner, user *scidatav1.DataPlatform, ar *scidatav1.AccessRequest) {
	t.Helper()
	owner = readyDepartment(t, prefix+"-owner", nil)
	user = readyDepartment(t, prefix+"-user", nil)
	ownerNS := platform.Namespace(owner)
	e := conditionalEntry(ownerNS, entry)
	e.Spec.ResponsibleDepartment.Code = owner.Spec.Department.Code
	create(t, e)
	ar = newAccessRequest(platform.Namespace(user), entry+"-while-asleep", ownerNS, entry)
	create(t, ar)
	waitAccess(t, ar, scidatav1.AccessPending)
	return owner, user, ar
}

// Hibernation is not carried out while an access grant to the platform's
// data is Active: the platform keeps serving, the Hibernated condition
// names the grant, and the grant's end lets it hibernate by itself.
func TestHibernationWaitsForActiveGrants(t *testing.T) {
	owner, user, ar := pendingGrant(t, "sleepy", "wells")
	userNS := platform.Namespace(user)
	live := activate(t, ar, nil)

	setHibernation(t, owner, scidatav1.HibernationHibernated)
	got := waitCondition(t, owner.Name, scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernationBlocked)
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionHibernated); !strings.Contains(c.Message, "access grant "+userNS+"/"+ar.Name+" is Active") {
		t.Errorf("Hibernated does not name the grant: %q", c.Message)
	}
	if !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionReady) {
		t.Errorf("a platform held awake stops being Ready: %+v", meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionReady))
	}
	if s, p := workloadReplicas(t, owner); s != 1 || p != 1 {
		t.Errorf("held awake by a grant, the store has %d and the portal %d replicas", s, p)
	}

	setStatus(t, live, func() {
		live.Status.Revocation = &scidatav1.AccessRevocation{By: "dora@" + accessOwner, At: ptr.To(metav1.Now()), Reason: "the platform hibernates"}
	})
	waitAccess(t, ar, scidatav1.AccessRevoked)
	eventually(t, "hibernating once the grant ended", func() error {
		if s, p := workloadReplicas(t, owner); s != 0 || p != 0 {
			return fmt.Errorf("store %d, portal %d replicas", s, p)
		}
		return nil
	})
	waitCondition(t, owner.Name, scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernating)
}

// A Submission from a hibernated department waits, naming the platform, with
// no sync Job; the platform's resumption releases it. A sync Job already
// running holds the department's hibernation until it ends: a transfer is
// never cut, and no new one starts meanwhile.
func TestSubmissionsWaitForAHibernatedPlatform(t *testing.T) {
	ctx := context.Background()
	ensureCenter(t)
	dept := readyDepartment(t, "sleepy-source", nil)
	setHibernation(t, dept, scidatav1.HibernationHibernated)
	waitCondition(t, dept.Name, scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernating)

	sub := createSubmission(t, dept, "flows", "", "flows/", false)
	eventually(t, "held while the platform hibernates", func() error {
		c := meta.FindStatusCondition(getSubmission(t, sub).Status.Conditions, scidatav1.ConditionReady)
		if c == nil || c.Reason != scidatav1.ReasonHibernated || !strings.Contains(c.Message, "DataPlatform "+dept.Name) {
			return fmt.Errorf("Ready %+v", c)
		}
		return nil
	})
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.JobName(sub)}, &batchv1.Job{}); err == nil {
		t.Fatal("a sync job started from a hibernated platform")
	}

	setHibernation(t, dept, scidatav1.HibernationRunning)
	job := waitJob(t, sub)

	// Hibernating again while the Job runs: held awake by it.
	setHibernation(t, dept, scidatav1.HibernationHibernated)
	got := waitCondition(t, dept.Name, scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernationBlocked)
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionHibernated); !strings.Contains(c.Message, "sync Job "+platform.CenterNamespace+"/"+job.Name+" is running") {
		t.Errorf("Hibernated does not name the sync Job: %q", c.Message)
	}
	if s, _ := workloadReplicas(t, dept); s != 1 {
		t.Errorf("the store stopped under a running transfer: %d replicas", s)
	}
	completeJob(t, job, syncer.ExitNothingToSubmit, "")
	eventually(t, "hibernating once the transfer ended", func() error {
		if s, p := workloadReplicas(t, dept); s != 0 || p != 0 {
			return fmt.Errorf("store %d, portal %d replicas", s, p)
		}
		return nil
	})
}

// The alert on platforms not Ready leaves out those whose Hibernated
// condition is True, as the collector exports it (scidata_platform_condition
// of type Hibernated at 1, checked on a hibernated platform above): the
// expression, parsed by Prometheus' own parser, subtracts exactly those
// series, matched on the platform.
func TestPlatformNotReadyAlertLeavesOutHibernatedPlatforms(t *testing.T) {
	var expr string
	for _, e := range alertExpressions(t) {
		if strings.HasSuffix(e.where, "/ScidataPlatformNotReady") {
			expr = e.expr
		}
	}
	ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("ScidataPlatformNotReady %q: %v", expr, err)
	}
	found := false
	parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || b.Op != parser.LUNLESS || b.VectorMatching == nil || !b.VectorMatching.On || strings.Join(b.VectorMatching.MatchingLabels, ",") != "platform" {
			return nil
		}
		rhs, ok := b.RHS.(*parser.BinaryExpr)
		if !ok || rhs.Op != parser.EQLC || rhs.RHS.String() != "1" {
			return nil
		}
		if strings.Contains(rhs.LHS.String(), `scidata_platform_condition{type="Hibernated"}`) {
			found = true
		}
		return nil
	})
	if !found {
		t.Errorf("ScidataPlatformNotReady does not leave out hibernated platforms: %s", expr)
	}
}

// An External platform hibernates its portal only: its store is the city's,
// keeps running, and is still probed (StorageReady stays the probe's).
func TestAnExternalPlatformHibernatesItsPortalOnly(t *testing.T) {
	ctx := context.Background()
	clusterFixture(t)
	ensureAPIServerEndpoints(t)
	dp, _ := readyExternalDepartment(t, "fen")

	setHibernation(t, dp, scidatav1.HibernationHibernated)
	var d appsv1.Deployment
	key := types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}
	eventually(t, "the portal scaled to zero", func() error {
		if err := env.Client.Get(ctx, key, &d); err != nil {
			return err
		}
		if r := ptr.Deref(d.Spec.Replicas, 1); r != 0 {
			return fmt.Errorf("portal replicas %d", r)
		}
		return nil
	})
	setStatus(t, &d, func() { d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation} })
	got := waitCondition(t, dp.Name, scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernated)
	if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionStorageReady); c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonExternalStoreVerified {
		t.Errorf("an External store's StorageReady while hibernated: %+v", c)
	}
	if !meta.IsStatusConditionTrue(got.Status.Conditions, scidatav1.ConditionHibernated) {
		t.Errorf("Hibernated %+v", meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionHibernated))
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.ObjectStoreName}, &appsv1.StatefulSet{}); err == nil {
		t.Error("an External platform runs a store StatefulSet")
	}
}

// An access request approved while its owner's Managed store hibernates
// is held: no check Job, nothing opened, Reconciling with reason
// Hibernated naming the owner; once the owner resumes, the grant is
// checked and becomes Active by itself.
func TestAGrantApprovedWhileItsOwnerHibernatesWaitsForItToResume(t *testing.T) {
	owner, user, ar := pendingGrant(t, "dozing", "springs")
	userNS := platform.Namespace(user)
	setHibernation(t, owner, scidatav1.HibernationHibernated)
	// (envtest runs no StatefulSet controller: the store's replicas stay
	// in status and the platform stays Hibernating; the spec is what holds
	// the grant.)
	waitCondition(t, owner.Name, scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernating)

	reviewAccess(t, ar, scidatav1.AccessDecisionApproved, nil)
	eventually(t, "the approved grant held", func() error {
		live := getAccess(t, ar)
		c := accessCondition(live, scidatav1.ConditionReconciling)
		if c == nil || c.Reason != scidatav1.ReasonHibernated || !strings.Contains(c.Message, owner.Name) {
			return fmt.Errorf("Reconciling %+v", c)
		}
		return nil
	})
	var job batchv1.Job
	key := types.NamespacedName{Namespace: userNS, Name: access.CheckJobName(access.GrantID(ar.Namespace, ar.Name))}
	if err := env.Client.Get(context.Background(), key, &job); !apierrors.IsNotFound(err) {
		t.Errorf("a check Job runs against a hibernated store: %v", err)
	}
	if ptr.Deref(getAccess(t, ar).Status.State, "") == scidatav1.AccessActive {
		t.Error("a grant is Active on a hibernated store")
	}

	setHibernation(t, owner, scidatav1.HibernationRunning)
	completeJob(t, waitCheckJob(t, ar), 0, checkPassed)
	waitAccess(t, ar, scidatav1.AccessActive)
}
