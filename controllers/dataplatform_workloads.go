package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// reconcileObjectStore runs the managed S3 server and keeps its volume:
// Services, the StatefulSet, growth of the claims, and Retain on the
// volumes as soon as they bind. It records StorageReady from the
// StatefulSet's and the claims' own status; for an External store, from
// the probe (dataplatform_external.go).
func (r *DataPlatformReconciler) reconcileObjectStore(ctx context.Context, s *platformScope) error {
	if !platform.Managed(s.dp) {
		r.probeExternal(ctx, s)
		return nil
	}
	for _, svc := range []*corev1ac.ServiceApplyConfiguration{platform.ObjectStoreHeadlessService(s.dp), platform.ObjectStoreService(s.dp)} {
		if _, err := apply.Ensure(ctx, r.Client, svc, &corev1.Service{}, corev1ac.ExtractService); err != nil {
			return err
		}
	}
	var sts appsv1.StatefulSet
	key := types.NamespacedName{Namespace: platform.Namespace(s.dp), Name: platform.ObjectStoreName}
	if err := r.Get(ctx, key, &sts); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get object store: %w", err)
	}
	st := store.For(s.dp, r.Config.OperatorNamespace)
	desired := platform.ObjectStoreStatefulSet(s.dp, r.Config, templateSize(s.dp, &sts), s.store, st.Bucket)
	if s.hibernation.sleeping() {
		desired = platform.AsleepStatefulSet(desired)
	}
	if _, err := apply.Ensure(ctx, r.Client, desired, &appsv1.StatefulSet{}, appsv1ac.ExtractStatefulSet); err != nil {
		return err
	}
	s.dp.Status.Endpoints.ObjectStore, s.dp.Status.Endpoints.Bucket = st.Endpoint, ptr.To(st.Bucket)
	claims, err := r.reconcileClaims(ctx, s)
	if err != nil {
		return err
	}
	if err := r.Get(ctx, key, &sts); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get object store: %w", err)
	}
	// Just created, the StatefulSet may not be in the cache yet: its
	// zero status reads as starting, and its creation event comes back.
	var pods corev1.PodList
	if sts.Status.ReadyReplicas < 1 || s.hibernation.sleeping() {
		if err := r.List(ctx, &pods, client.InNamespace(platform.Namespace(s.dp)), client.MatchingLabels(platform.Selector(s.dp, platform.ComponentObjectStore))); err != nil {
			return fmt.Errorf("list the store's pods: %w", err)
		}
	}
	s.storage = storageObservation(&sts, claims, pods.Items)
	if s.hibernation.sleeping() {
		s.storage = storeHibernation(&sts, pods.Items)
	}
	return nil
}

// templateSize keeps the claim template the StatefulSet was created with:
// the template is immutable, and growth is done on the claims.
func templateSize(dp *scidatav1.DataPlatform, sts *appsv1.StatefulSet) resource.Quantity {
	for _, t := range sts.Spec.VolumeClaimTemplates {
		if t.Name == platform.ObjectStoreDataVolume {
			return t.Spec.Resources.Requests[corev1.ResourceStorage]
		}
	}
	return dp.Spec.Storage.Size
}

// reconcileClaims grows the store's claims to spec.storage.size where the
// class allows it, and sets Retain on their bound volumes.
func (r *DataPlatformReconciler) reconcileClaims(ctx context.Context, s *platformScope) ([]corev1.PersistentVolumeClaim, error) {
	var list corev1.PersistentVolumeClaimList
	if err := r.List(ctx, &list, client.InNamespace(platform.Namespace(s.dp)), client.MatchingLabels(platform.Selector(s.dp, platform.ComponentObjectStore))); err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	want := s.dp.Spec.Storage.Size
	for i := range list.Items {
		pvc := &list.Items[i]
		if c, ok := pvc.Status.Capacity[corev1.ResourceStorage]; ok && pvc.Status.Phase == corev1.ClaimBound {
			s.capacity = &c
		}
		if err := r.retainVolume(ctx, pvc); err != nil {
			return nil, err
		}
		if err := r.growClaim(ctx, s, pvc, want); err != nil {
			return nil, err
		}
	}
	s.dp.Status.Storage = s.capacity
	return list.Items, nil
}

func (r *DataPlatformReconciler) growClaim(ctx context.Context, s *platformScope, pvc *corev1.PersistentVolumeClaim, want resource.Quantity) error {
	have := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if have.Cmp(want) >= 0 {
		return nil
	}
	class := ptr.Deref(pvc.Spec.StorageClassName, "")
	if class == "" {
		s.resizeUnsupported = fmt.Sprintf("claim %s has no storage class, so it cannot grow; the store stays at %s until the data is migrated to a class that can expand volumes", pvc.Name, have.String())
		return nil
	}
	var sc storagev1.StorageClass
	err := r.Get(ctx, types.NamespacedName{Name: class}, &sc)
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get storage class: %w", err)
	}
	// A class that is gone cannot expand either.
	if apierrors.IsNotFound(err) || !ptr.Deref(sc.AllowVolumeExpansion, false) {
		s.resizeUnsupported = fmt.Sprintf("storage class %q of claim %s cannot expand volumes; the store stays at %s until the data is migrated to a class that can", class, pvc.Name, have.String())
		return nil
	}
	patch := client.MergeFrom(pvc.DeepCopy())
	pvc.Spec.Resources.Requests[corev1.ResourceStorage] = want
	if err := r.Patch(ctx, pvc, patch); err != nil {
		return fmt.Errorf("grow claim %s to %s: %w", pvc.Name, want.String(), err)
	}
	r.Recorder.Eventf(s.dp, nil, corev1.EventTypeNormal, scidatav1.EventStorageGrowing, "Resize", "claim %s grows from %s to %s", pvc.Name, have.String(), want.String())
	return nil
}

// retainVolume sets Retain on a bound claim's volume, so that deleting the
// claim (by anyone) never deletes the data.
func (r *DataPlatformReconciler) retainVolume(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return nil
	}
	var pv corev1.PersistentVolume
	if err := r.APIReader.Get(ctx, types.NamespacedName{Name: pvc.Spec.VolumeName}, &pv); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("get volume %s: %w", pvc.Spec.VolumeName, err)
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRetain {
		return nil
	}
	patch := client.MergeFrom(pv.DeepCopy())
	pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	if err := r.Patch(ctx, &pv, patch); err != nil {
		return fmt.Errorf("retain volume %s: %w", pv.Name, err)
	}
	return nil
}

// storageObservation reads StorageReady from the StatefulSet, its claims
// and, while it is not ready, its pod: the message says what the pod waits
// for, and where to look.
func storageObservation(sts *appsv1.StatefulSet, claims []corev1.PersistentVolumeClaim, pods []corev1.Pod) observation {
	for _, c := range claims {
		if c.Status.Phase != corev1.ClaimBound {
			return notReady(scidatav1.ReasonVolumePending, fmt.Sprintf("claim %s is %s: check that a StorageClass can provision it (kubectl describe pvc -n %s %s)", c.Name, phaseOr(c.Status.Phase), c.Namespace, c.Name))
		}
	}
	if sts.Status.ObservedGeneration < sts.Generation {
		return notReady(scidatav1.ReasonObjectStoreUpdating, "the object store's StatefulSet is rolling out a change")
	}
	if sts.Status.ReadyReplicas < 1 {
		for i := range pods {
			if why := storePodProblem(&pods[i]); why != "" {
				return notReady(scidatav1.ReasonObjectStoreStarting, why)
			}
		}
		return notReady(scidatav1.ReasonObjectStoreStarting, fmt.Sprintf("the object store pod is not ready yet (kubectl get pods -n %s -l %s=%s)", sts.Namespace, scidatav1.LabelComponent, platform.ComponentObjectStore))
	}
	if len(claims) == 0 {
		return notReady(scidatav1.ReasonVolumePending, "the object store has no volume claim yet")
	}
	return ready(scidatav1.ReasonObjectStoreReady, "the object store answers on its volume")
}

// storePodProblem says why a store pod is not ready, in words a person can
// act on, or "" when its status says nothing more than "starting".
func storePodProblem(pod *corev1.Pod) string {
	where := fmt.Sprintf("pod %s/%s", pod.Namespace, pod.Name)
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return fmt.Sprintf("the object store pod cannot be scheduled: %s (kubectl describe %s -n %s)", c.Message, "pod/"+pod.Name, pod.Namespace)
		}
	}
	statuses := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, c := range statuses {
		logs := fmt.Sprintf("kubectl logs -n %s %s -c %s", pod.Namespace, pod.Name, c.Name)
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing" && c.State.Waiting.Reason != "ContainerCreating":
			msg := c.State.Waiting.Message
			if msg != "" {
				msg = ": " + msg
			}
			return fmt.Sprintf("container %s of %s is waiting: %s%s (%s)", c.Name, where, c.State.Waiting.Reason, msg, logs)
		case c.State.Terminated != nil && c.State.Terminated.ExitCode != 0:
			return fmt.Sprintf("container %s of %s exited with code %d (%s) (%s)", c.Name, where, c.State.Terminated.ExitCode, c.State.Terminated.Reason, logs)
		case c.Name == "store-bootstrap" && c.State.Running != nil && !c.Ready:
			return fmt.Sprintf("the store's bucket and its policy are not in place yet: store-bootstrap of %s is not ready (%s)", where, logs)
		case c.Name == "s3" && c.State.Running != nil && !c.Ready:
			return fmt.Sprintf("the S3 server of %s does not answer on its port yet (%s)", where, logs)
		}
	}
	return ""
}

func phaseOr(p corev1.PersistentVolumeClaimPhase) string {
	if p == "" {
		return "not yet bound"
	}
	return string(p)
}

// reconcilePortal runs the portal and records PortalReady from the
// Deployment's own status.
func (r *DataPlatformReconciler) reconcilePortal(ctx context.Context, s *platformScope) error {
	if _, err := apply.Ensure(ctx, r.Client, platform.PortalService(s.dp), &corev1.Service{}, corev1ac.ExtractService); err != nil {
		return err
	}
	desired := platform.PortalDeployment(s.dp, r.Config)
	if s.hibernation.sleeping() {
		desired = platform.AsleepDeployment(desired)
	}
	if _, err := apply.Ensure(ctx, r.Client, desired, &appsv1.Deployment{}, appsv1ac.ExtractDeployment); err != nil {
		return err
	}
	s.dp.Status.Endpoints.Portal = platform.PortalURL(s.dp)
	var d appsv1.Deployment
	if err := r.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(s.dp), Name: platform.PortalName}, &d); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get portal: %w", err)
	}
	if s.hibernation.sleeping() {
		var err error
		s.portal, err = r.portalHibernation(ctx, s, &d)
		return err
	}
	s.portal = portalObservation(&d, platform.PortalReplicas(s.dp))
	return nil
}

// portalObservation reads PortalReady from the Deployment.
func portalObservation(d *appsv1.Deployment, want int32) observation {
	if want == 0 {
		return ready(scidatav1.ReasonPortalDisabled, "spec.portal.replicas is 0: the platform runs no portal")
	}
	if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas < want {
		return notReady(scidatav1.ReasonPortalRollingOut, fmt.Sprintf("the portal is rolling out: %d of %d pods updated", d.Status.UpdatedReplicas, want))
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue && d.Status.AvailableReplicas >= want {
			return ready(scidatav1.ReasonPortalAvailable, fmt.Sprintf("%d of %d portal pods available", d.Status.AvailableReplicas, want))
		}
	}
	return notReady(scidatav1.ReasonPortalUnavailable, fmt.Sprintf("%d of %d portal pods available (kubectl get pods -n %s -l %s=%s)", d.Status.AvailableReplicas, want, d.Namespace, scidatav1.LabelComponent, platform.ComponentPortal))
}
