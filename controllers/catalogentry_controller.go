package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// CatalogEntryReconciler computes a CatalogEntry's status: effective
// sharing and why, when it changes next, whether the entry is in the public
// catalog, metadata completeness, and the review conditions
// (SecrecyReviewDue, EmbargoPassed). It owns no objects.
//
// A pass is fetch → compute (pure, in catalogentry_status.go) → at most
// one status patch → events for what changed → requeue at the next change
// the clock will bring. A pass that finds nothing to change writes nothing.
// The pass never stalls by an error: an entry a person must move is an
// observation (Stalled with NotInPlatformNamespace), and the pass records
// it like any other.
type CatalogEntryReconciler struct {
	client.Client
	// Clock is the time the rules are evaluated at; tests inject a fake one.
	Clock clock.PassiveClock
	// Recorder emits an Event for each change of sharing, publication or review.
	Recorder record.EventRecorder
}

// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries/status,verbs=update;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions;submissionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=accessrequests,verbs=get;list;watch

// Reconcile brings one CatalogEntry's status up to date with its spec and
// the clock.
func (r *CatalogEntryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var entry scidatav1.CatalogEntry
	if err := r.Get(ctx, req.NamespacedName, &entry); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if err := r.reconcileDutyLabel(ctx, &entry); err != nil {
		return ctrl.Result{}, err
	}
	now := r.Clock.Now()
	patch := reconcilekit.NewStatusPatch(&entry)
	o := observeEntry(&entry, now)
	sub, err := r.submissionStatus(ctx, &entry)
	if err != nil {
		return ctrl.Result{}, err
	}
	before := *entry.Status.DeepCopy()
	entry.Status = desiredEntryStatus(entry.Status, &entry.Spec, o)
	entry.Status.Submission = sub
	if entry.Status.ActiveGrants, err = r.activeGrants(ctx, &entry); err != nil {
		return ctrl.Result{}, err
	}
	setDutyStatus(&entry.Status, &entry)
	desired := *entry.Status.DeepCopy()
	changed, err := patch.Changed(&entry)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := patch.Write(ctx, r.Client, &entry); err != nil {
		return ctrl.Result{}, err
	}
	if changed {
		r.recordChanges(&entry, before, desired)
		r.recordDutyChanges(&entry, before, desired)
		log.FromContext(ctx).V(1).Info("status written", "effectiveSharing", desired.EffectiveSharing, "nextChangeAt", desired.NextChangeAt)
	}
	return reconcilekit.RequeueAt(now, ptr.Deref(o.sharing.NextChangeAt, time.Time{})), nil
}

// recordChanges emits one Event per change a person should hear about.
func (r *CatalogEntryReconciler) recordChanges(entry *scidatav1.CatalogEntry, before, after scidatav1.CatalogEntryStatus) {
	if r.Recorder == nil {
		return
	}
	if before.EffectiveSharing != after.EffectiveSharing {
		r.Recorder.Eventf(entry, corev1.EventTypeNormal, scidatav1.EventSharingChanged, "effective sharing is now %s: %s", after.EffectiveSharing, after.SharingReason)
	}
	for _, t := range []struct {
		condType, eventType string
	}{
		{scidatav1.ConditionPublished, corev1.EventTypeNormal},
		{scidatav1.ConditionSecrecyReviewDue, corev1.EventTypeWarning},
		{scidatav1.ConditionEmbargoPassed, corev1.EventTypeNormal},
		{scidatav1.ConditionDataBeforePaper, corev1.EventTypeWarning},
		{scidatav1.ConditionStalled, corev1.EventTypeWarning},
	} {
		was, now := meta.FindStatusCondition(before.Conditions, t.condType), meta.FindStatusCondition(after.Conditions, t.condType)
		if now == nil || (was != nil && was.Status == now.Status && was.Reason == now.Reason) {
			continue
		}
		if t.condType == scidatav1.ConditionDataBeforePaper {
			if now.Reason == scidatav1.ReasonPaperBeforeData {
				r.Recorder.Event(entry, t.eventType, now.Reason, now.Message)
			}
			continue
		}
		if now.Status == metav1.ConditionTrue || t.condType == scidatav1.ConditionPublished {
			r.Recorder.Event(entry, t.eventType, now.Reason, now.Message)
		}
	}
}

// submissionStatus is where the entry's current content version stands in
// submission (汇交): its Submission's state, or Pending when a policy
// covers the entry and its Submission is not made yet, or NotRequired.
func (r *CatalogEntryReconciler) submissionStatus(ctx context.Context, e *scidatav1.CatalogEntry) (*scidatav1.EntrySubmissionStatus, error) {
	s, err := submission.ForVersion(ctx, r.Client, e.Namespace, e.Name, e.Spec.Data.ContentVersion)
	if err != nil {
		return nil, err
	}
	if s != nil {
		st := &scidatav1.EntrySubmissionStatus{State: submission.State(s), Name: s.Name, ContentVersion: s.Spec.ContentVersion}
		if s.Status.Receipt != nil {
			st.ReceiptKeyID = s.Status.Receipt.KeyID
			if s.Status.Transfer != nil {
				st.ReceivedAt = s.Status.Transfer.CompletedAt
			}
		}
		return st, nil
	}
	covering, err := submission.CoveringPolicies(ctx, r.Client, e)
	if err != nil {
		return nil, err
	}
	if len(covering) == 0 {
		return &scidatav1.EntrySubmissionStatus{State: scidatav1.SubmissionNotRequired}, nil
	}
	return &scidatav1.EntrySubmissionStatus{State: scidatav1.SubmissionPending, ContentVersion: e.Spec.Data.ContentVersion}, nil
}

// activeGrants counts the Active AccessRequests for e; nil when none. The
// requests live in the requesting namespaces: all are read (from the
// manager's cache) and matched on spec.entry.
func (r *CatalogEntryReconciler) activeGrants(ctx context.Context, e *scidatav1.CatalogEntry) (*int32, error) {
	var list scidatav1.AccessRequestList
	if err := r.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("list access requests: %w", err)
	}
	var n int32
	for i := range list.Items {
		ar := &list.Items[i]
		if ar.Spec.Entry.Namespace == e.Namespace && ar.Spec.Entry.Name == e.Name && ptr.Deref(ar.Status.State, "") == scidatav1.AccessActive {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	return &n, nil
}

// SetupWithManager registers the reconciler: an entry wakes for itself,
// for its Submissions, which carry its name in a label, and for the
// AccessRequests that name it (their count of Active grants).
func (r *CatalogEntryReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&scidatav1.CatalogEntry{}).
		Watches(&scidatav1.Submission{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			if e := o.GetLabels()[submission.LabelEntry]; e != "" {
				return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: e}}}
			}
			return nil
		})).
		Watches(&scidatav1.AccessRequest{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			e := o.(*scidatav1.AccessRequest).Spec.Entry
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: e.Namespace, Name: e.Name}}}
		})).
		Named("catalogentry").
		Complete(r)
}
