package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
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
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
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
	// Workers is how many Submissions one pass creates at once: a
	// city-wide policy covers thousands of entries, and one at a time its
	// first pass would take as many round trips. 1 when unset.
	Workers int
}

// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissionpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries,verbs=get;list;watch
// +kubebuilder:rbac:groups=scidata.io,resources=submissions,verbs=get;list;watch;create

// Reconcile covers the policy's entries with Submissions and summarises
// them: fetch, one Submission per covered entry version, then the status
// (submissionpolicy_status.go) in one patch, and a requeue at the next
// deadline.
func (r *SubmissionPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var p scidatav1.SubmissionPolicy
	if err := r.Get(ctx, req.NamespacedName, &p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Clock.Now()
	patch := reconcilekit.NewStatusPatch(&p)
	var covered []submission.Covered
	var sum submission.Summary
	nextWindow := time.Time{}
	err := validatePolicy(&p)
	if err == nil {
		covered, nextWindow, err = r.reconcileSubmissions(ctx, &p, now)
	}
	if err == nil {
		sum = submission.Summarize(covered, now)
	}
	wasPaused := meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReconciliationPaused)
	setPolicyStatus(&p, now, len(covered), sum, err)
	if isPaused := meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReconciliationPaused); isPaused != wasPaused {
		if isPaused {
			c := meta.FindStatusCondition(p.Status.Conditions, scidatav1.ConditionReconciliationPaused)
			r.Recorder.Eventf(&p, nil, corev1.EventTypeNormal, scidatav1.EventReconciliationPaused, "Pause", "%s", c.Message)
		} else {
			r.Recorder.Eventf(&p, nil, corev1.EventTypeNormal, scidatav1.EventReconciliationResumed, "Resume", "spec.suspend is no longer set: Submissions are made again")
		}
	}
	// Come back exactly when the next deadline passes or the next window opens.
	next := sum.NextAt
	if !nextWindow.IsZero() && (next.IsZero() || nextWindow.Before(next)) {
		next = nextWindow
	}
	return reconcilekit.Finish(ctx, r.Client, patch, &p, reconcilekit.RequeueAt(now, next), err)
}

// validatePolicy stalls a policy whose schedule or (for a city policy)
// calendar does not parse, naming the field.
func validatePolicy(p *scidatav1.SubmissionPolicy) error {
	if _, err := submission.ScheduleOf(p); err != nil {
		var fe *submission.FieldError
		if errors.As(err, &fe) && fe.Field == "spec.timeZone" {
			return reconcilekit.Stalledf(scidatav1.ReasonInvalidTimeZone, "%v", err)
		}
		return reconcilekit.Stalledf(scidatav1.ReasonInvalidSchedule, "%v: write five cron fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly", err)
	}
	if submission.City(p) {
		if _, err := submission.CalendarOf(p); err != nil {
			return reconcilekit.Stalledf(scidatav1.ReasonInvalidTimeZone, "%v", err)
		}
	}
	return nil
}

// reconcileSubmissions finds the covered entries and makes sure each has
// its Submission for the current content version.
func (r *SubmissionPolicyReconciler) reconcileSubmissions(ctx context.Context, p *scidatav1.SubmissionPolicy, now time.Time) ([]submission.Covered, time.Time, error) {
	entries, err := r.coveredEntries(ctx, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	// One pass of a city-wide policy may create thousands of Submissions:
	// it creates them with the manager's worker count, and the next window
	// is the earliest of every entry's.
	covered := make([]submission.Covered, len(entries))
	nexts := make([]time.Time, len(entries))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(r.Workers, 1))
	for i := range entries {
		e := entries[i]
		g.Go(func() error {
			sub, next, err := r.ensureSubmission(gctx, p, e, now)
			covered[i], nexts[i] = submission.Covered{Entry: e, Submission: sub}, next
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, time.Time{}, err
	}
	var nextWindow time.Time
	for _, next := range nexts {
		if !next.IsZero() && (nextWindow.IsZero() || next.Before(nextWindow)) {
			nextWindow = next
		}
	}
	return covered, nextWindow, nil
}

// coveredEntries lists the entries the policy covers: in its namespace,
// and for a policy in the Center's namespace with a namespaceSelector, in
// every namespace it selects. The entries are the cache's own, not copies
// (a city-wide policy would copy every entry of the city on every pass):
// the pass only reads them.
func (r *SubmissionPolicyReconciler) coveredEntries(ctx context.Context, p *scidatav1.SubmissionPolicy) ([]*scidatav1.CatalogEntry, error) {
	namespaces := []string{p.Namespace}
	nsLabels := map[string]map[string]string{}
	if p.Namespace == platform.CenterNamespace && p.Spec.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.NamespaceSelector)
		if err != nil {
			return nil, fmt.Errorf("spec.namespaceSelector: %w", err)
		}
		var list corev1.NamespaceList
		if err := r.List(ctx, &list, client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return nil, fmt.Errorf("list namespaces: %w", err)
		}
		for _, ns := range list.Items {
			if ns.Name != p.Namespace {
				namespaces = append(namespaces, ns.Name)
			}
			nsLabels[ns.Name] = ns.Labels
		}
	}
	// Pointers into each namespace's list, not copies of the entries: a
	// city-wide policy covers thousands (a copy of each cost about 30 MiB
	// of heap per pass at 7,000 covered entries, hack/bench's profile).
	var out []*scidatav1.CatalogEntry
	for _, ns := range namespaces {
		var list scidatav1.CatalogEntryList
		if err := r.List(ctx, &list, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("list entries in %s: %w", ns, err)
		}
		for i := range list.Items {
			if e := &list.Items[i]; e.DeletionTimestamp.IsZero() && submission.Covers(p, e, nsLabels[ns], platform.CenterNamespace) {
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nil
}

// ensureSubmission returns the entry's Submission for its current content
// version, creating it (unless the policy is suspended), and when the
// entry is submitted in windows, when the next window opens. Every
// covering policy builds the same Submission (the strictest terms of all
// of them, every one of them recorded), so whichever creates it, it is
// one, and the same in every run: none is made before the cache shows
// the entry's namespace as a platform's, since city policies select
// namespaces by the labels the operator gives them.
func (r *SubmissionPolicyReconciler) ensureSubmission(ctx context.Context, p *scidatav1.SubmissionPolicy, e *scidatav1.CatalogEntry, now time.Time) (*scidatav1.Submission, time.Time, error) {
	sub, err := submission.ForVersion(ctx, r.Client, e.Namespace, e.Name, e.Spec.Data.ContentVersion)
	if err != nil || sub != nil {
		return sub, time.Time{}, err
	}
	seen, err := submission.NamespaceSeen(ctx, r.Client, e.Namespace)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !seen {
		return nil, time.Time{}, reconcilekit.WaitingFor(time.Second, scidatav1.ReasonNamespaceNotSeen,
			"namespace "+e.Namespace+" is not yet seen labelled as a platform's: its entries' coverage is not known yet")
	}
	covering, err := submission.CoveringPolicies(ctx, r.Client, e)
	if err != nil {
		return nil, time.Time{}, err
	}
	var window *time.Time
	var next time.Time
	if schedules := submission.Windowed(covering); schedules != nil {
		start, nx, ok := submission.CurrentWindow(schedules, now)
		next = nx
		// No window yet, or one that began before this entry existed: its
		// latest version at the window's start was none.
		if !ok || start.IsZero() || start.Before(e.CreationTimestamp.Time) {
			return nil, next, nil
		}
		var inWindow scidatav1.Submission
		err := r.Get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: submission.WindowName(e.Name, start)}, &inWindow)
		if err == nil {
			return nil, next, nil // this window's Submission carries an earlier version
		}
		if !apierrors.IsNotFound(err) {
			return nil, next, err
		}
		window = &start
	}
	if p.Spec.Suspend {
		return nil, next, nil
	}
	want := submission.ForEntry(e, covering, now, window)
	if err := r.Create(ctx, want); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, next, nil // made by another policy or an earlier pass; its event brings us back
		}
		return nil, next, fmt.Errorf("create submission %s/%s: %w", e.Namespace, want.Name, err)
	}
	r.Recorder.Eventf(e, want, corev1.EventTypeNormal, scidatav1.EventSubmissionCreated, "Submit",
		"version %s of %s must be submitted to the Center (review required: %v; policies %v)", e.Spec.Data.ContentVersion, e.Name, want.Spec.ReviewRequired, want.Spec.Policies)
	return want, next, nil
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

// policiesFor maps an entry or a Submission to the policies that may cover
// it. It runs on every event of every entry and Submission, and needs only
// the policies' names: it reads the cache's own objects, not copies.
func (r *SubmissionPolicyReconciler) policiesFor(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, ns := range submission.PolicyNamespaces(o.GetNamespace()) {
		var list scidatav1.SubmissionPolicyList
		if err := r.List(ctx, &list, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
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
