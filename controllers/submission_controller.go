package controllers

import (
	"context"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/metrics"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// SubmissionReconciler moves a Submission through the procedure the
// measures describe: the department's review (due in working days), the
// Center's metadata gates, a verified transfer, the data gates, a curator's
// acceptance where the city asks for one (due in working days), and the
// signed receipt; or it ends the Submission Withdrawn (its entry went) or
// Referred (classified above the Center's clearance). Its conditions stay
// true to its record: Approved and Denied mirror status.review; Ready,
// Reconciling and Stalled say where it stands; an Event marks every change
// of state.
type SubmissionReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Config   platform.Config
	Recorder events.EventRecorder
	// OpenCenterStore opens the Center's object store, to read manifests
	// back and store receipts.
	OpenCenterStore func(context.Context, *scidatav1.DataPlatform) (centerstore.Store, error)
	// APIReader reads past the cache; a withdrawal, which is final, is
	// written only after it confirms that the entry is gone. Nil: the
	// client.
	APIReader client.Reader
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies;catalogentries,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// submissionScope is what one pass carries from step to step.
type submissionScope struct {
	s   *scidatav1.Submission
	now time.Time
	// entry is the CatalogEntry submitted, nil when it is gone; replaced
	// when an entry of its name exists with another UID.
	entry    *scidatav1.CatalogEntry
	replaced bool
	// policies cover the entry now.
	policies       []*scidatav1.SubmissionPolicy
	reviewRequired bool
	terms          *scidatav1.AcceptanceTerms
	// nextAt is when a deadline of this Submission passes next.
	nextAt time.Time
}

// Reconcile advances the Submission one step and writes its status once:
// fetch, the coverage and terms in force, then the steps in order
// (withdrawal, deadlines, metadata gates in submission_procedure.go; the
// transfer, data gates, acceptance and receipt in submission_transfer.go),
// then the conditions (submission_status.go), one status patch, one Event
// if the state changed, and a requeue at the next deadline.
func (r *SubmissionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	var s scidatav1.Submission
	if err := r.Get(ctx, req.NamespacedName, &s); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patch := reconcilekit.NewStatusPatch(&s)
	before := s.DeepCopy()
	sc := &submissionScope{s: &s, now: r.Clock.Now(), reviewRequired: s.Spec.ReviewRequired, terms: s.Spec.Acceptance}
	defer func() {
		setSubmissionStatus(&s, sc.reviewRequired, retErr, r.Clock.Now())
		result, retErr = reconcilekit.Finish(ctx, r.Client, patch, &s, reconcilekit.RequeueAt(sc.now, sc.nextAt), retErr)
		r.recordStateChange(before, &s)
		if before.Status.Receipt == nil && s.Status.Receipt != nil && retErr == nil {
			recordReceipt(&s)
		}
	}()
	if err := r.observe(ctx, sc); err != nil {
		return ctrl.Result{}, err
	}
	for _, step := range []func(context.Context, *submissionScope) (done bool, err error){
		r.reconcileWithdrawal, r.reconcileDeadlines, r.reconcileMetadataGates,
	} {
		if done, err := step(ctx, sc); done || err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, r.reconcileTransfer(ctx, sc)
}

// observe reads the entry and the policies covering it now, and the terms
// in force: the ones recorded when the Submission was made, made stricter
// by the policies of today (a city-wide policy added later still holds
// back a transfer that has not started).
func (r *SubmissionReconciler) observe(ctx context.Context, sc *submissionScope) error {
	s := sc.s
	cov, err := submission.FetchCoverage(ctx, r.Client, types.NamespacedName{Namespace: s.Namespace, Name: s.Spec.Entry.Name})
	if err != nil {
		return err
	}
	if cov != nil && string(cov.Entry.UID) == s.Spec.EntryUID {
		sc.entry, sc.policies = cov.Entry, cov.Policies
	}
	sc.replaced = cov != nil && sc.entry == nil
	started := s.Status.Review != nil || s.Status.Transfer != nil
	if !s.Spec.ReviewRequired && !started {
		sc.reviewRequired = submission.ReviewRequired(sc.policies)
	}
	if s.Status.Receipt == nil {
		sc.terms = submission.MergeTerms(s.Spec.Acceptance, submission.AcceptanceTermsOf(sc.policies))
	}
	return nil
}

// recordStateChange emits one Event when the Submission's state, or the
// reason its Ready condition gives, changed in this pass.
func (r *SubmissionReconciler) recordStateChange(before, after *scidatav1.Submission) {
	if r.Recorder == nil {
		return
	}
	was, now := submission.State(before), submission.State(after)
	rb, ra := meta.FindStatusCondition(before.Status.Conditions, scidatav1.ConditionReady), meta.FindStatusCondition(after.Status.Conditions, scidatav1.ConditionReady)
	if ra == nil || (was == now && rb != nil && rb.Reason == ra.Reason) {
		return
	}
	typ := corev1.EventTypeNormal
	switch now {
	case scidatav1.SubmissionReturned, scidatav1.SubmissionDenied, scidatav1.SubmissionFailed, scidatav1.SubmissionWithdrawn, scidatav1.SubmissionReferred:
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(after, nil, typ, string(now), "Submit", "%s: %s", ra.Reason, ra.Message)
}

// SetupWithManager registers the reconciler.
func (r *SubmissionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	// A policy's change can change the terms of Submissions not yet
	// received; an entry's change reruns its gates, its deletion withdraws.
	return ctrl.NewControllerManagedBy(mgr).
		For(&scidatav1.Submission{}).
		Watches(&batchv1.Job{}, handler.EnqueueRequestsFromMapFunc(submissionOfJob)).
		Watches(&scidatav1.SubmissionPolicy{}, handler.EnqueueRequestsFromMapFunc(r.unreceived), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&scidatav1.CatalogEntry{}, handler.EnqueueRequestsFromMapFunc(r.ofEntry), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A platform hibernated or resumed holds or releases the
		// Submissions to or from its store (submission_hibernation.go).
		Watches(&scidatav1.DataPlatform{}, handler.EnqueueRequestsFromMapFunc(r.submissionsOfPlatform), builder.WithPredicates(hibernationChanged)).
		Named("submission").
		Complete(r)
}

// unreceived maps a policy to the Submissions whose terms it may change:
// those of its namespace without a receipt, or of every namespace for the
// Center's policies.
func (r *SubmissionReconciler) unreceived(ctx context.Context, o client.Object) []reconcile.Request {
	var list scidatav1.SubmissionList
	opts := []client.ListOption{}
	if o.GetNamespace() != platform.CenterNamespace {
		opts = append(opts, client.InNamespace(o.GetNamespace()))
	}
	if err := r.List(ctx, &list, opts...); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, s := range list.Items {
		if s.Status.Receipt == nil && s.Status.Withdrawal == nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
		}
	}
	return reqs
}

// ofEntry maps an entry (changed or deleted) to its Submissions not yet
// received.
func (r *SubmissionReconciler) ofEntry(ctx context.Context, o client.Object) []reconcile.Request {
	var list scidatav1.SubmissionList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingLabels{submission.LabelEntry: o.GetName()}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, s := range list.Items {
		if s.Status.Receipt == nil && s.Status.Withdrawal == nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
		}
	}
	return reqs
}

// submissionOfJob maps a sync Job to its Submission by its annotations.
func submissionOfJob(_ context.Context, o client.Object) []reconcile.Request {
	a := o.GetAnnotations()
	if a[submission.AnnotationSubmissionName] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: a[submission.AnnotationSubmissionNamespace], Name: a[submission.AnnotationSubmissionName]}}}
}

// recordReceipt counts a receipt once its status write succeeded: the
// transfer's objects and bytes, and the time from approval (or creation,
// when no review was required) to receipt.
func recordReceipt(s *scidatav1.Submission) {
	from := s.CreationTimestamp.Time
	if rv := s.Status.Review; rv != nil && rv.Decision == scidatav1.ReviewApproved {
		from = rv.At.Time
	}
	t := s.Status.Transfer
	received := from
	if t.CompletedAt != nil {
		received = t.CompletedAt.Time
	}
	metrics.Received(strings.TrimPrefix(s.Namespace, scidatav1.NamespacePrefix), t.Objects, t.Bytes, received.Sub(from))
}
