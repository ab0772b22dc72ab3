package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// hibernationHold holds a Submission at a step that needs dp's store (the
// department's to start a sync Job; the Center's to start one, to read the
// manifest back and to store the receipt) while dp asks for hibernation:
// from the moment spec.hibernation says Hibernated, even while the
// platform still waits for grants and transfers to end, so that no
// transfer starts that hibernation would cut. A sync Job already running
// is never stopped: the platform's hibernation waits for it. The hold is a
// Waiting outcome (Ready False, Reconciling True, reason Hibernated, the
// platform named); the platform's resumption wakes the Submission
// (submissionsOfPlatform).
func hibernationHold(dp *scidatav1.DataPlatform, what string) error {
	if dp == nil || !dp.IsHibernationRequested() {
		return nil
	}
	return reconcilekit.Waiting(scidatav1.ReasonHibernated, fmt.Sprintf(
		"%s (DataPlatform %s) is hibernated: the submission waits, and goes on by itself when its spec.hibernation is Running again", what, dp.Name))
}

// submissionsOfPlatform maps a DataPlatform whose spec changed (its
// hibernation set or cleared) to the Submissions it may hold: those of its
// namespace, or of every namespace for the Center, that are not withdrawn
// and whose receipt is not yet stored.
func (r *SubmissionReconciler) submissionsOfPlatform(ctx context.Context, o client.Object) []reconcile.Request {
	var list scidatav1.SubmissionList
	opts := []client.ListOption{}
	if o.GetName() != scidatav1.CenterName {
		opts = append(opts, client.InNamespace(scidatav1.NamespacePrefix+o.GetName()))
	}
	if err := r.List(ctx, &list, opts...); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		s := &list.Items[i]
		stored := s.Status.Receipt != nil && meta.IsStatusConditionTrue(s.Status.Conditions, scidatav1.ConditionReceived)
		if s.Status.Withdrawal == nil && !stored {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(s)})
		}
	}
	return reqs
}

// hibernationChanged passes a platform's update only when it sets or
// clears hibernation, so no other spec change wakes its Submissions.
var hibernationChanged = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		was, ok := e.ObjectOld.(*scidatav1.DataPlatform)
		is, ok2 := e.ObjectNew.(*scidatav1.DataPlatform)
		return ok && ok2 && was.IsHibernationRequested() != is.IsHibernationRequested()
	},
}
