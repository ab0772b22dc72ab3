package controllers

import (
	"context"
	"io"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// AccessFinalizer holds an AccessRequest until everything its grant made is
// removed: a request is deleted only before approval (admission keeps an
// approved one), or with its namespace.
const AccessFinalizer = "scidata.io/access-grant"

// Field indexes of AccessRequests.
const (
	// indexAccessEntry is the entry a request asks for, namespace/name.
	indexAccessEntry = "spec.entry"
	// indexAccessEntryNamespace is the namespace of that entry.
	indexAccessEntryNamespace = "spec.entry.namespace"
)

// AccessRequestReconciler turns an AccessRequest into a decision and, once
// approved, into a grant: a read-only credential scoped to the entry's
// prefix, the grant's line in the owner's store (an account made through
// the store's admin API and bucket policy statements that refuse it at the
// expiry instant), a Secret and a network path in the namespace of use,
// checked from there before the request is Active. At the grant's end
// (expiry, revocation, withdrawal, the entry no longer allowing it)
// everything it made is removed. What to decide is internal/access
// (Decide); what to build, internal/access (objects.go).
//
// The steps, in order, each in a file named for its concern: observe
// (accessrequest_facts.go: the entry, the platforms, an earlier request in
// force, an overlapping entry), decide and record (accessrequest_record.go:
// state, history, the grant record), provision or remove
// (accessrequest_grant.go); accessrequest_status.go sets the conditions and
// accessrequest_delete.go is the deletion path.
type AccessRequestReconciler struct {
	client.Client
	// APIReader reads what the manager does not cache: an External store's
	// account Secret the storage team made.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Clock     clock.PassiveClock
	Config    platform.Config
	// Rand is the source of the grants' credentials (crypto/rand).
	Rand io.Reader
}

// +kubebuilder:rbac:groups=scidata.io,resources=accessrequests,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=accessrequests/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=accessrequests/finalizers,verbs=update
// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries;dataplatforms,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces;pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one AccessRequest to where its reviews, its entry and
// the clock put it, and its grant with it; one status write.
func (r *AccessRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	var ar scidatav1.AccessRequest
	if err := r.Get(ctx, req.NamespacedName, &ar); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ar.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, &ar)
	}
	if !controllerutil.ContainsFinalizer(&ar, AccessFinalizer) {
		// In a write of its own, before anything is made.
		patch := client.MergeFrom(ar.DeepCopy())
		controllerutil.AddFinalizer(&ar, AccessFinalizer)
		if err := r.Patch(ctx, &ar, patch); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	s := newAccessScope(&ar, r.Clock.Now())
	defer func() {
		setAccessStatus(s, retErr)
		result, retErr = reconcilekit.Finish(ctx, r.Client, s.patch, s.ar, reconcilekit.RequeueAt(s.now, s.requeueAt), retErr)
		if retErr == nil {
			r.announce(s)
		}
	}()
	if err := r.observe(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	s.verdict = access.Decide(s.ar, s.facts)
	s.record()
	if s.verdict.Grant {
		return ctrl.Result{}, r.provision(ctx, s)
	}
	return ctrl.Result{}, r.remove(ctx, s)
}

// announce emits an event for each change of state this pass recorded.
func (r *AccessRequestReconciler) announce(s *accessScope) {
	for _, h := range s.entered {
		typ := corev1.EventTypeNormal
		if h.State == scidatav1.AccessRejected || h.State == scidatav1.AccessRevoked || h.State == scidatav1.AccessReturned {
			typ = corev1.EventTypeWarning
		}
		msg := string(h.State)
		if h.Message != nil {
			msg += ": " + *h.Message
		}
		r.Recorder.Eventf(s.ar, nil, typ, h.Reason, string(h.State), "%s", msg)
	}
}

// SetupWithManager registers the reconciler, its indexes and what wakes it.
func (r *AccessRequestReconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &scidatav1.AccessRequest{}, indexAccessEntry, func(o client.Object) []string {
		e := o.(*scidatav1.AccessRequest).Spec.Entry
		return []string{e.Namespace + "/" + e.Name}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &scidatav1.AccessRequest{}, indexAccessEntryNamespace, func(o client.Object) []string {
		return []string{o.(*scidatav1.AccessRequest).Spec.Entry.Namespace}
	}); err != nil {
		return err
	}
	grantObject := builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[scidatav1.LabelAccessGrant] != ""
	}))
	return ctrl.NewControllerManagedBy(mgr).
		Named("accessrequest").
		// Reviews are status writes by reviewers: every change wakes it (a
		// pass that changes nothing writes nothing).
		For(&scidatav1.AccessRequest{}).
		// The entry decides (its sharing, its classification), and so do the
		// other entries of its platform (an overlapping prefix).
		Watches(&scidatav1.CatalogEntry{}, handler.EnqueueRequestsFromMapFunc(r.requestsOfEntryNamespace)).
		// The requesting platform (its allowed namespaces, its clearance)
		// and the owning one (its store).
		Watches(&scidatav1.DataPlatform{}, handler.EnqueueRequestsFromMapFunc(r.requestsOfPlatform), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// An earlier request in force that ends lets a later one go on.
		Watches(&scidatav1.AccessRequest{}, handler.EnqueueRequestsFromMapFunc(r.requestsOfSameEntry)).
		// What a grant made, deleted or changed by someone, is made again.
		Watches(&batchv1.Job{}, handler.EnqueueRequestsFromMapFunc(requestOfGrantObject), grantObject).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(requestOfGrantObject), grantObject).
		Watches(&networkingv1.NetworkPolicy{}, handler.EnqueueRequestsFromMapFunc(requestOfGrantObject), grantObject).
		Complete(r)
}

// requestOfGrantObject maps what a grant made to its request.
func requestOfGrantObject(_ context.Context, o client.Object) []reconcile.Request {
	a := o.GetAnnotations()
	if a[access.AnnotationRequestName] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: a[access.AnnotationRequestNamespace], Name: a[access.AnnotationRequestName]}}}
}

func (r *AccessRequestReconciler) listRequests(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	var list scidatav1.AccessRequestList
	if err := r.List(ctx, &list, opts...); err != nil {
		log.FromContext(ctx).Error(err, "list access requests")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

func (r *AccessRequestReconciler) requestsOfEntryNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	return r.listRequests(ctx, client.MatchingFields{indexAccessEntryNamespace: o.GetNamespace()})
}

func (r *AccessRequestReconciler) requestsOfSameEntry(ctx context.Context, o client.Object) []reconcile.Request {
	ar := o.(*scidatav1.AccessRequest)
	var out []reconcile.Request
	for _, req := range r.listRequests(ctx, client.MatchingFields{indexAccessEntry: ar.Spec.Entry.Namespace + "/" + ar.Spec.Entry.Name}) {
		if req.NamespacedName != client.ObjectKeyFromObject(ar) {
			out = append(out, req)
		}
	}
	return out
}

func (r *AccessRequestReconciler) requestsOfPlatform(ctx context.Context, o client.Object) []reconcile.Request {
	ns := scidatav1.NamespacePrefix + o.GetName()
	reqs := r.listRequests(ctx, client.InNamespace(ns))
	for _, req := range r.listRequests(ctx, client.MatchingFields{indexAccessEntryNamespace: ns}) {
		if !strings.EqualFold(req.Namespace, ns) {
			reqs = append(reqs, req)
		}
	}
	return reqs
}
