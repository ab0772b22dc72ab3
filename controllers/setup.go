package controllers

import (
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
)

// SetupAll registers every reconciler with the manager.
func SetupAll(mgr ctrl.Manager) error {
	for name, setup := range map[string]func(ctrl.Manager) error{
		"DataPlatform":     (&DataPlatformReconciler{Client: mgr.GetClient()}).SetupWithManager,
		"CatalogEntry":     (&CatalogEntryReconciler{Client: mgr.GetClient()}).SetupWithManager,
		"SubmissionPolicy": (&SubmissionPolicyReconciler{Client: mgr.GetClient()}).SetupWithManager,
		"Submission":       (&SubmissionReconciler{Client: mgr.GetClient()}).SetupWithManager,
	} {
		if err := setup(mgr); err != nil {
			return fmt.Errorf("set up the %s controller: %w", name, err)
		}
	}
	return nil
}
