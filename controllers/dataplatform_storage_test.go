package controllers

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// While the store is not ready, StorageReady's message says what its pod
// waits for and which command shows more, from the pod's own status.
func TestStorageReadySaysWhatTheStorePodWaitsFor(t *testing.T) {
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "objectstore", Namespace: "scidata-water"}}
	bound := []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data-objectstore-0"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}}
	pod := func(status corev1.PodStatus) []corev1.Pod {
		return []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "objectstore-0", Namespace: "scidata-water"}, Status: status}}
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	for _, tc := range []struct {
		name string
		pods []corev1.Pod
		says []string
	}{
		{"no pod yet", nil, []string{"the object store pod is not ready yet", "kubectl get pods -n scidata-water"}},
		{"unschedulable", pod(corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/1 nodes are available: 1 Insufficient memory."}}}),
			[]string{"cannot be scheduled", "Insufficient memory", "kubectl describe pod/objectstore-0 -n scidata-water"}},
		{"image missing", pod(corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "s3", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: `image "scidata-objectstore:dev" is not present`}}}}}),
			[]string{"container s3 of pod scidata-water/objectstore-0 is waiting: ErrImageNeverPull", "is not present", "kubectl logs -n scidata-water objectstore-0 -c s3"}},
		{"init failed", pod(corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{Name: "store-init", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}}),
			[]string{"container store-init of pod scidata-water/objectstore-0 exited with code 1", "-c store-init"}},
		{"bucket not ready", pod(corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{
			{Name: "store-init", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
			{Name: "store-bootstrap", State: running, Ready: false}}, ContainerStatuses: []corev1.ContainerStatus{{Name: "s3", State: running, Ready: true}}}),
			[]string{"bucket and its policy are not in place yet", "kubectl logs -n scidata-water objectstore-0 -c store-bootstrap"}},
		{"server not answering", pod(corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "s3", State: running, Ready: false}}}),
			[]string{"S3 server of pod scidata-water/objectstore-0 does not answer", "-c s3"}},
		{"still creating", pod(corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "s3", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}),
			[]string{"the object store pod is not ready yet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := storageObservation(sts, bound, tc.pods)
			if o.ready || o.reason != "ObjectStoreStarting" {
				t.Fatalf("%+v, want not ready with ObjectStoreStarting", o)
			}
			for _, s := range tc.says {
				if !strings.Contains(o.message, s) {
					t.Errorf("message %q does not say %q", o.message, s)
				}
			}
		})
	}
}
