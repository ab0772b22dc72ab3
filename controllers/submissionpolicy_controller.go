package controllers

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// SubmissionPolicyReconciler creates one Submission per covered entry and
// content version (deterministically named, so never two), and reports
// per policy the counts by state, the overdue entries and each funded
// project's readiness for acceptance.
type SubmissionPolicyReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch;create

// Reconcile covers the policy's entries with Submissions and summarises them.
func (r *SubmissionPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var p scidatav1.SubmissionPolicy
	if err := r.Get(ctx, req.NamespacedName, &p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Clock.Now()
	before := p.Status.DeepCopy()
	covered, err := r.reconcileSubmissions(ctx, &p, now)
	if err != nil {
		setPolicyCondition(&p, now, scidatav1.ConditionReady, metav1.ConditionFalse, ReasonReconcileError, err.Error())
		setPolicyCondition(&p, now, scidatav1.ConditionReconciling, metav1.ConditionTrue, ReasonReconcileError, "retrying after: "+err.Error())
		return ctrl.Result{}, joinErr(err, r.writePolicyStatus(ctx, &p, before))
	}
	sum := submission.Summarize(covered, now)
	setPolicyStatus(&p, now, len(covered), sum)
	if err := r.writePolicyStatus(ctx, &p, before); err != nil {
		return ctrl.Result{}, err
	}
	if !sum.NextAt.IsZero() {
		// Come back exactly when the next deadline passes.
		return ctrl.Result{RequeueAfter: durationUntil(now, sum.NextAt)}, nil
	}
	return ctrl.Result{}, nil
}

// reconcileSubmissions finds the covered entries and makes sure each has
// its Submission for the current content version.
func (r *SubmissionPolicyReconciler) reconcileSubmissions(ctx context.Context, p *scidatav1.SubmissionPolicy, now time.Time) ([]submission.Covered, error) {
	entries, nsLabels, err := r.coveredEntries(ctx, p)
	if err != nil {
		return nil, err
	}
	covered := make([]submission.Covered, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		sub, err := r.ensureSubmission(ctx, p, e, nsLabels[e.Namespace], now)
		if err != nil {
			return nil, err
		}
		covered = append(covered, submission.Covered{Entry: e, Submission: sub})
	}
	return covered, nil
}

// coveredEntries lists the entries the policy covers, with the labels of
// their namespaces.
func (r *SubmissionPolicyReconciler) coveredEntries(ctx context.Context, p *scidatav1.SubmissionPolicy) ([]scidatav1.CatalogEntry, map[string]map[string]string, error) {
	namespaces := []string{p.Namespace}
	nsLabels := map[string]map[string]string{}
	if p.Namespace == platform.CenterNamespace && p.Spec.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.NamespaceSelector)
		if err != nil {
			return nil, nil, fmt.Errorf("spec.namespaceSelector: %w", err)
		}
		var list corev1.NamespaceList
		if err := r.List(ctx, &list, client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return nil, nil, fmt.Errorf("list namespaces: %w", err)
		}
		for _, ns := range list.Items {
			if ns.Name != p.Namespace {
				namespaces = append(namespaces, ns.Name)
			}
			nsLabels[ns.Name] = ns.Labels
		}
	}
	var out []scidatav1.CatalogEntry
	for _, ns := range namespaces {
		var list scidatav1.CatalogEntryList
		if err := r.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return nil, nil, fmt.Errorf("list entries in %s: %w", ns, err)
		}
		for i := range list.Items {
			if e := &list.Items[i]; e.DeletionTimestamp.IsZero() && submission.Covers(p, e, nsLabels[ns], platform.CenterNamespace) {
				out = append(out, *e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nsLabels, nil
}

// ensureSubmission returns the entry's Submission for its current content
// version, creating it (unless the policy is suspended). Every covering
// policy builds the same Submission, so whichever creates it, it is one.
func (r *SubmissionPolicyReconciler) ensureSubmission(ctx context.Context, p *scidatav1.SubmissionPolicy, e *scidatav1.CatalogEntry, nsLabels map[string]string, now time.Time) (*scidatav1.Submission, error) {
	name := submission.Name(e.Name, e.Spec.Data.ContentVersion)
	var sub scidatav1.Submission
	err := r.Get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: name}, &sub)
	if err == nil {
		return &sub, nil
	}
	if !apierrors.IsNotFound(err) || p.Spec.Suspend {
		return nil, client.IgnoreNotFound(err)
	}
	covering, err := coveringPolicies(ctx, r.Client, e, nsLabels)
	if err != nil {
		return nil, err
	}
	want := newSubmission(e, covering, name, now)
	if err := r.Create(ctx, want); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, nil // made by another policy or an earlier pass; its event brings us back
		}
		return nil, fmt.Errorf("create submission %s/%s: %w", e.Namespace, name, err)
	}
	r.Recorder.Eventf(e, want, corev1.EventTypeNormal, "SubmissionCreated", "Submit",
		"version %s of %s must be submitted to the Center (review required: %v)", e.Spec.Data.ContentVersion, e.Name, want.Spec.ReviewRequired)
	return want, nil
}

// coveringPolicies are every policy, of the entry's namespace or the
// Center's, that covers the entry.
func coveringPolicies(ctx context.Context, c client.Reader, e *scidatav1.CatalogEntry, nsLabels map[string]string) ([]*scidatav1.SubmissionPolicy, error) {
	var out []*scidatav1.SubmissionPolicy
	for _, ns := range uniq(e.Namespace, platform.CenterNamespace) {
		var list scidatav1.SubmissionPolicyList
		if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return nil, fmt.Errorf("list policies in %s: %w", ns, err)
		}
		for i := range list.Items {
			if p := &list.Items[i]; submission.Covers(p, e, nsLabels, platform.CenterNamespace) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func newSubmission(e *scidatav1.CatalogEntry, covering []*scidatav1.SubmissionPolicy, name string, now time.Time) *scidatav1.Submission {
	level := scidatav1.ClassificationPublic
	if e.Spec.Classification != nil && e.Spec.Classification.Level != "" {
		level = e.Spec.Classification.Level
	}
	return &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: e.Namespace,
			Name:      name,
			Labels: map[string]string{
				scidatav1.LabelManagedBy:      scidatav1.ManagedBy,
				scidatav1.LabelDepartment:     e.Spec.ResponsibleDepartment.Code,
				submission.LabelEntry:         e.Name,
				submission.LabelVersionHash:   submission.VersionHash(e.Spec.Data.ContentVersion),
				"app.kubernetes.io/part-of":   "scidata",
				"app.kubernetes.io/component": "submission",
			},
		},
		Spec: scidatav1.SubmissionSpec{
			Entry:          scidatav1.LocalObjectReference{Name: e.Name},
			EntryUID:       string(e.UID),
			Department:     e.Spec.ResponsibleDepartment.Code,
			ContentVersion: e.Spec.Data.ContentVersion,
			SourcePrefix:   e.Spec.Data.Prefix,
			Policy:         submission.PolicyRef(covering),
			ReviewRequired: submission.ReviewRequired(covering),
			Deadline:       submission.Deadline(covering, e, now),
			Classification: level,
		},
	}
}

// setPolicyStatus records the summary and the conditions. A pass that got
// here completed: observedGeneration follows.
func setPolicyStatus(p *scidatav1.SubmissionPolicy, now time.Time, n int, sum submission.Summary) {
	p.Status.ObservedGeneration = p.Generation
	p.Status.SelectedEntries = int32(n)
	p.Status.Counts = sum.Counts
	p.Status.Overdue = sum.Overdue
	p.Status.Projects = sum.Projects
	p.Status.EffectiveReviewRequired = p.Spec.ReviewRequired == nil || *p.Spec.ReviewRequired
	msg := fmt.Sprintf("%d entries covered: %d received, %d awaiting review, %d transferring, %d pending, %d denied, %d failed",
		n, sum.Counts.Received, sum.Counts.AwaitingReview, sum.Counts.Transferring, sum.Counts.Pending, sum.Counts.Denied, sum.Counts.Failed)
	if p.Spec.Suspend {
		msg = "suspended: no new submissions are made; " + msg
	}
	setPolicyCondition(p, now, scidatav1.ConditionReady, metav1.ConditionTrue, ReasonReady, msg)
	meta.RemoveStatusCondition(&p.Status.Conditions, scidatav1.ConditionReconciling)
	meta.RemoveStatusCondition(&p.Status.Conditions, scidatav1.ConditionStalled)
	if sum.Counts.Overdue > 0 {
		setPolicyCondition(p, now, scidatav1.ConditionOverdue, metav1.ConditionTrue, "DeadlinePassed",
			fmt.Sprintf("%d entries passed their deadline without a receipt; see status.overdue", sum.Counts.Overdue))
	} else {
		setPolicyCondition(p, now, scidatav1.ConditionOverdue, metav1.ConditionFalse, "OnTime", "no entry is past its deadline")
	}
}

func setPolicyCondition(p *scidatav1.SubmissionPolicy, now time.Time, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: p.Generation, LastTransitionTime: metav1.NewTime(now)})
}

func (r *SubmissionPolicyReconciler) writePolicyStatus(ctx context.Context, p *scidatav1.SubmissionPolicy, before *scidatav1.SubmissionPolicyStatus) error {
	if equality.Semantic.DeepEqual(before, &p.Status) {
		return nil
	}
	base := p.DeepCopy()
	base.Status = *before
	if err := r.Status().Patch(ctx, p, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("write status: %w", err)
	}
	return nil
}

// SetupWithManager registers the reconciler: a policy wakes for itself,
// for entries and Submissions of its namespace, and (in the Center's
// namespace) for those of every namespace.
func (r *SubmissionPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	policies := handler.EnqueueRequestsFromMapFunc(r.policiesFor)
	return ctrl.NewControllerManagedBy(mgr).
		Named("submissionpolicy").
		For(&scidatav1.SubmissionPolicy{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&scidatav1.CatalogEntry{}, policies, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&scidatav1.Submission{}, policies).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.cityPolicies), builder.WithPredicates(predicate.LabelChangedPredicate{})).
		Complete(r)
}

func (r *SubmissionPolicyReconciler) policiesFor(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, ns := range uniq(o.GetNamespace(), platform.CenterNamespace) {
		var list scidatav1.SubmissionPolicyList
		if err := r.List(ctx, &list, client.InNamespace(ns)); err != nil {
			continue
		}
		for _, p := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: p.Namespace, Name: p.Name}})
		}
	}
	return reqs
}

func (r *SubmissionPolicyReconciler) cityPolicies(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.policiesFor(ctx, &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace}})
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

func joinErr(a, b error) error {
	if b == nil {
		return a
	}
	return fmt.Errorf("%w; %w", a, b)
}
