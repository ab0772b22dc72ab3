package platform

import (
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

// AsleepStatefulSet is the store's StatefulSet of a hibernated platform:
// the object as it runs with no replicas. Nothing else changes (not the
// template, not the claim templates), so hibernating rolls nothing, the
// claims stay bound, and resuming starts the very pod that stopped.
func AsleepStatefulSet(s *appsv1ac.StatefulSetApplyConfiguration) *appsv1ac.StatefulSetApplyConfiguration {
	s.Spec.WithReplicas(0)
	return s
}

// AsleepDeployment is the portal's Deployment of a hibernated platform: the
// object as it runs with no replicas.
func AsleepDeployment(d *appsv1ac.DeploymentApplyConfiguration) *appsv1ac.DeploymentApplyConfiguration {
	d.Spec.WithReplicas(0)
	return d
}
