package platform

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// A hibernated platform's workloads are the running ones with zero
// replicas and nothing else changed: the pod template (so no rollout) and
// the store's claim template (so the same claims) stay as they are.
func TestAsleepWorkloadsRunNoPodsAndChangeNothingElse(t *testing.T) {
	p := dept("sleepy", nil)
	size := resource.MustParse("10Gi")
	running := ObjectStoreStatefulSet(p, cfg, size, StoreRevision{}, "b")
	asleep := AsleepStatefulSet(ObjectStoreStatefulSet(p, cfg, size, StoreRevision{}, "b"))
	if got := ptr.Deref(asleep.Spec.Replicas, -1); got != 0 {
		t.Errorf("store replicas %d; want 0", got)
	}
	if !reflect.DeepEqual(asleep.Spec.Template, running.Spec.Template) || !reflect.DeepEqual(asleep.Spec.VolumeClaimTemplates, running.Spec.VolumeClaimTemplates) {
		t.Error("hibernating the store changes its pod or claim template")
	}
	running.Spec.Replicas = asleep.Spec.Replicas
	if !reflect.DeepEqual(asleep, running) {
		t.Error("hibernating the store changes more than its replicas")
	}

	portal := PortalDeployment(p, cfg)
	asleepPortal := AsleepDeployment(PortalDeployment(p, cfg))
	if got := ptr.Deref(asleepPortal.Spec.Replicas, -1); got != 0 {
		t.Errorf("portal replicas %d; want 0", got)
	}
	portal.Spec.Replicas = asleepPortal.Spec.Replicas
	if !reflect.DeepEqual(asleepPortal, portal) {
		t.Error("hibernating the portal changes more than its replicas")
	}
}
