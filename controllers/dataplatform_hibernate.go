package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// +kubebuilder:rbac:groups=scidata.io,resources=accessrequests,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch

// hibernationScope is what a pass decided about spec.hibernation.
type hibernationScope struct {
	// requested: spec.hibernation is Hibernated.
	requested bool
	// blockedBy names what holds the platform awake (Active grants to its
	// data, sync Jobs reading or writing its store); empty when nothing does.
	blockedBy []string
}

// sleeping is true when this pass scales the platform's workloads to zero.
func (h hibernationScope) sleeping() bool {
	return h.requested && len(h.blockedBy) == 0
}

// reconcileHibernation decides, before the workloads, whether this pass puts
// the platform to sleep: spec.hibernation asks for it, no access grant to
// its data is Active (the grantee's credential would stop working before
// its expiry) and no sync Job reads or writes its store (a transfer is never
// cut half-way). While either holds, the platform keeps serving and the
// Hibernated condition names them; their end wakes the platform
// (hibernationBlockerEvents), which then hibernates by itself.
func (r *DataPlatformReconciler) reconcileHibernation(ctx context.Context, s *platformScope) error {
	if !s.dp.IsHibernationRequested() {
		return nil
	}
	s.hibernation.requested = true
	var grants scidatav1.AccessRequestList
	if err := r.List(ctx, &grants); err != nil {
		return fmt.Errorf("list access requests: %w", err)
	}
	ns := platform.Namespace(s.dp)
	var blockers []string
	for i := range grants.Items {
		ar := &grants.Items[i]
		if ar.Spec.Entry.Namespace == ns && ptr.Deref(ar.Status.State, "") == scidatav1.AccessActive {
			blockers = append(blockers, "access grant "+ar.Namespace+"/"+ar.Name+" is Active")
		}
	}
	jobs, err := r.runningSyncJobs(ctx, s.dp)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		blockers = append(blockers, "sync Job "+platform.CenterNamespace+"/"+j+" is running")
	}
	// A backup (or its check) reads the store: it is never cut half-way.
	var backups batchv1.JobList
	if err := r.List(ctx, &backups, client.InNamespace(ns), client.MatchingLabels{scidatav1.LabelComponent: platform.ComponentBackup}); err != nil {
		return fmt.Errorf("list backup jobs: %w", err)
	}
	for i := range backups.Items {
		if j := &backups.Items[i]; !jobCondition(j, batchv1.JobComplete) && !jobCondition(j, batchv1.JobFailed) {
			blockers = append(blockers, "backup Job "+ns+"/"+j.Name+" is running")
		}
	}
	sort.Strings(blockers)
	s.hibernation.blockedBy = blockers
	return nil
}

// runningSyncJobs names the sync Jobs not yet finished that read the
// platform's store (a department's) or write it (the Center's: every one).
func (r *DataPlatformReconciler) runningSyncJobs(ctx context.Context, dp *scidatav1.DataPlatform) ([]string, error) {
	sel := client.MatchingLabels{scidatav1.LabelComponent: platform.ComponentSync}
	if dp.Spec.Role != scidatav1.RoleCenter {
		sel[scidatav1.LabelDepartment] = dp.Spec.Department.Code
	}
	var list batchv1.JobList
	if err := r.List(ctx, &list, client.InNamespace(platform.CenterNamespace), sel); err != nil {
		return nil, fmt.Errorf("list sync jobs: %w", err)
	}
	var out []string
	for i := range list.Items {
		if j := &list.Items[i]; !jobCondition(j, batchv1.JobComplete) && !jobCondition(j, batchv1.JobFailed) {
			out = append(out, j.Name)
		}
	}
	return out, nil
}

// storeHibernation is StorageReady of a sleeping Managed store: Hibernated
// only once the StatefulSet has caught up with zero replicas and none of
// its pods is left (the cache holds the store's pods), never from the spec
// alone.
func storeHibernation(sts *appsv1.StatefulSet, pods []corev1.Pod) observation {
	if sts.Status.ObservedGeneration < sts.Generation || sts.Status.Replicas > 0 || len(pods) > 0 {
		return notReady(scidatav1.ReasonHibernating, fmt.Sprintf("hibernating: waiting for the object store's pods to stop (%s) (kubectl get pods -n %s -l %s=%s)",
			podNames(pods), sts.Namespace, scidatav1.LabelComponent, platform.ComponentObjectStore))
	}
	return notReady(scidatav1.ReasonHibernated, "the object store runs no pod; its claims keep every byte")
}

// portalHibernation is PortalReady of a sleeping platform: Hibernated only
// once the Deployment has caught up with zero replicas and no portal pod is
// left, terminating ones included. The manager's cache holds no portal
// pods, so they are listed from the apiserver, and only while hibernating.
func (r *DataPlatformReconciler) portalHibernation(ctx context.Context, s *platformScope, d *appsv1.Deployment) (observation, error) {
	var pods corev1.PodList
	if err := r.APIReader.List(ctx, &pods, client.InNamespace(platform.Namespace(s.dp)), client.MatchingLabels(platform.Selector(s.dp, platform.ComponentPortal))); err != nil {
		return observation{}, fmt.Errorf("list the portal's pods: %w", err)
	}
	for i := range pods.Items {
		lookAgainAfterTermination(s, &pods.Items[i])
	}
	if d.Status.ObservedGeneration < d.Generation || d.Status.Replicas > 0 || len(pods.Items) > 0 {
		return notReady(scidatav1.ReasonHibernating, fmt.Sprintf("hibernating: waiting for the portal's pods to stop (%s)", podNames(pods.Items))), nil
	}
	return notReady(scidatav1.ReasonHibernated, "the portal runs no pod"), nil
}

// lookAgainAfterTermination has the pass come back when a terminating
// portal pod must be gone (its deletionTimestamp, the end of its grace
// period): the Deployment's status may already read zero replicas, and
// no watched object changes when the pod goes. A pod still there after
// that moment (a node that does not answer) is looked at again every
// 10 seconds until it goes.
func lookAgainAfterTermination(s *platformScope, pod *corev1.Pod) {
	if pod.DeletionTimestamp == nil {
		return // not terminating yet: the Deployment's status changes when it is
	}
	at := pod.DeletionTimestamp.Add(time.Second)
	if !at.After(s.now) {
		at = s.now.Add(10 * time.Second)
	}
	if s.requeueAt.IsZero() || at.Before(s.requeueAt) {
		s.requeueAt = at
	}
}

func podNames(pods []corev1.Pod) string {
	if len(pods) == 0 {
		return "the workload has not caught up yet"
	}
	names := make([]string, 0, len(pods))
	for _, p := range pods {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// asleep is true when the pass observed every workload hibernation stops
// with no pod left: the portal, and a Managed store (an External store is
// the city's, and keeps running).
func (s *platformScope) asleep() bool {
	if !s.hibernation.sleeping() || !s.portal.seen || s.portal.reason != scidatav1.ReasonHibernated {
		return false
	}
	return !platform.Managed(s.dp) || (s.storage.seen && s.storage.reason == scidatav1.ReasonHibernated)
}

// markHibernation is the kstatus trio of a sleeping platform: Ready False
// with Hibernated once its pods are observed gone (neither Reconciling nor
// Stalled: nothing is in progress and nothing is wrong); until then Ready
// False and Reconciling True with Hibernating, naming the pods it waits for.
func markHibernation(s *platformScope, c reconcilekit.Conditions) {
	if s.asleep() {
		c.Set(scidatav1.ConditionReady, metav1.ConditionFalse, scidatav1.ReasonHibernated, hibernatedMessage(s.dp))
		c.Remove(scidatav1.ConditionReconciling)
		c.Remove(scidatav1.ConditionStalled)
		return
	}
	var waiting []string
	for _, o := range []observation{s.storage, s.portal} {
		if o.seen && o.reason == scidatav1.ReasonHibernating {
			waiting = append(waiting, o.message)
		}
	}
	if len(waiting) == 0 {
		waiting = append(waiting, "hibernating: stopping the store and the portal")
	}
	c.MarkReconciling(scidatav1.ReasonHibernating, scidatav1.ReasonHibernating, strings.Join(waiting, "; "))
}

func hibernatedMessage(dp *scidatav1.DataPlatform) string {
	what := "its object store and portal run no pods; its volumes, claims, credentials and policies are kept"
	if !platform.Managed(dp) {
		what = "its portal runs no pod (its External store is the city's and keeps running); its credentials and policies are kept"
	}
	return "hibernated by spec.hibernation: " + what + ", and Submissions to or from it wait; set spec.hibernation to Running to resume"
}

// setHibernatedCondition sets the Hibernated condition: absent while the
// platform runs as asked; False with HibernationBlocked (naming the grants
// and Jobs it waits for) or Hibernating (its pods still stopping); True once
// it was observed asleep.
func setHibernatedCondition(s *platformScope) {
	c := s.conditions()
	h := s.hibernation
	switch {
	case !h.requested:
		c.Remove(scidatav1.ConditionHibernated)
	case len(h.blockedBy) > 0:
		c.Set(scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernationBlocked,
			"spec.hibernation is Hibernated, but the platform keeps serving while "+blockerList(h.blockedBy)+
				"; it hibernates by itself once they end (a grant ends at its expiry, or when revoked or withdrawn)")
	case s.asleep():
		c.Set(scidatav1.ConditionHibernated, metav1.ConditionTrue, scidatav1.ReasonHibernated, hibernatedMessage(s.dp))
	case s.portal.seen:
		c.Set(scidatav1.ConditionHibernated, metav1.ConditionFalse, scidatav1.ReasonHibernating, "the store's and the portal's pods are stopping")
	}
}

// blockerList names at most five blockers, and how many more there are.
func blockerList(b []string) string {
	const most = 5
	if len(b) <= most {
		return strings.Join(b, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(b[:most], ", "), len(b)-most)
}

// hibernationBlockerEvents maps an AccessRequest (its entry's platform) or a
// sync Job (its department's platform, and the Center) to the platforms
// whose hibernation it may hold or release: only those whose spec asks for
// hibernation, so grants and transfers wake no one else.
func (r *DataPlatformReconciler) hibernationBlockerEvents(ctx context.Context, o client.Object) []reconcile.Request {
	var names []string
	switch obj := o.(type) {
	case *scidatav1.AccessRequest:
		names = []string{strings.TrimPrefix(obj.Spec.Entry.Namespace, scidatav1.NamespacePrefix)}
	case *batchv1.Job:
		if obj.Labels[scidatav1.LabelComponent] != platform.ComponentSync {
			return nil
		}
		names = []string{scidatav1.CenterName, obj.Labels[scidatav1.LabelDepartment]}
	}
	var reqs []reconcile.Request
	for _, name := range names {
		var dp scidatav1.DataPlatform
		if name == "" || r.Get(ctx, types.NamespacedName{Name: name}, &dp) != nil || !dp.IsHibernationRequested() {
			continue
		}
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
	}
	return reqs
}
