package controllers

import (
	"fmt"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
)

// SetupAll registers every reconciler with the manager. Reconcilers that
// evaluate time-based rules read clk, so tests can inject a fake clock.
func SetupAll(mgr ctrl.Manager, clk clock.PassiveClock) error {
	for name, setup := range map[string]func(ctrl.Manager) error{
		"DataPlatform": (&DataPlatformReconciler{Client: mgr.GetClient()}).SetupWithManager,
		"CatalogEntry": (&CatalogEntryReconciler{
			Client: mgr.GetClient(), Clock: clk,
			Recorder: mgr.GetEventRecorderFor("catalogentry-controller"), //nolint:staticcheck // the record API keeps core/v1 Events, which kubectl describe shows
		}).SetupWithManager,
		"SubmissionPolicy": (&SubmissionPolicyReconciler{Client: mgr.GetClient()}).SetupWithManager,
		"Submission":       (&SubmissionReconciler{Client: mgr.GetClient()}).SetupWithManager,
	} {
		if err := setup(mgr); err != nil {
			return fmt.Errorf("set up the %s controller: %w", name, err)
		}
	}
	return nil
}
