package controllers

import (
	"context"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
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
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// PlatformFinalizer holds a DataPlatform until its workloads are stopped
// and its data is retained (or, with retention Delete, deleted).
const PlatformFinalizer = "scidata.io/platform-protection"

// DataPlatformReconciler turns a DataPlatform into a running platform: its
// namespace, quota, owners' access, object store, portal and network
// isolation. What it builds comes from internal/platform; this file holds
// the control flow; the steps are in dataplatform_phases.go (namespace,
// quota, access), dataplatform_credentials.go (accounts, certificates),
// dataplatform_external.go (an External store's Secrets and probe),
// dataplatform_hibernate.go (spec.hibernation), dataplatform_workloads.go
// (store, portal), dataplatform_network.go and dataplatform_backup.go
// (scheduled backups);
// dataplatform_status.go sets the conditions and dataplatform_delete.go is
// the deletion path.
type DataPlatformReconciler struct {
	client.Client
	// APIReader reads what the manager does not cache: PersistentVolumes.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Clock     clock.PassiveClock
	Config    platform.Config
	// DNSService is the cluster DNS Service whose endpoints the DNS egress
	// rule names.
	DNSService types.NamespacedName
	// Rand is the source of generated credentials (crypto/rand).
	Rand io.Reader
	// Prober probes External stores; ProbeTiming says when again.
	Prober      StoreProber
	ProbeTiming ProbeTiming
	// StoreDialer opens the manager's connections to backup targets (nil
	// in production; envtest points names at local servers).
	StoreDialer store.Dialer

	probes probeMemos
}

// +kubebuilder:rbac:groups=scidata.io,resources=dataplatforms,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=dataplatforms/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=dataplatforms/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;serviceaccounts;resourcequotas;limitranges;configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups="",resources=persistentvolumes,verbs=get;patch
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=statefulsets;deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings;clusterrolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=scidata-platform-admin;scidata-platform-auditor;scidata-portal
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create

// Reconcile brings one DataPlatform to its declared state: fetch, then
// deletion or the ordered steps, then one status write if anything changed.
func (r *DataPlatformReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	var dp scidatav1.DataPlatform
	if err := r.Get(ctx, req.NamespacedName, &dp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !dp.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, &dp)
	}
	if !controllerutil.ContainsFinalizer(&dp, PlatformFinalizer) {
		// The finalizer is added in a write of its own, before anything
		// is made, so that nothing can exist that deletion would miss.
		// The update this makes is filtered out by the predicates (no
		// generation change), so the pass goes on rather than waiting.
		patch := client.MergeFrom(dp.DeepCopy())
		controllerutil.AddFinalizer(&dp, PlatformFinalizer)
		if err := r.Patch(ctx, &dp, patch); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	s := &platformScope{dp: &dp, patch: reconcilekit.NewStatusPatch(&dp), now: r.Clock.Now()}
	if dp.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("suspended; nothing reconciled")
		r.pause(s)
		return reconcilekit.Finish(ctx, r.Client, s.patch, s.dp, ctrl.Result{}, nil)
	}
	defer func() {
		r.summarize(s, retErr)
		// Come back when the next certificate renewal is due, unless the
		// error is retried with backoff.
		result, retErr = reconcilekit.Finish(ctx, r.Client, s.patch, s.dp, reconcilekit.RequeueAt(s.now, s.requeueAt), retErr)
	}()
	for _, step := range []platformStep{
		r.reconcileNamespace,
		r.reconcileQuota,
		r.reconcileAccess,
		r.reconcileCredentials,
		r.reconcileTLS,
		r.reconcileHibernation,
		r.reconcileObjectStore,
		r.reconcilePortal,
		r.reconcileNetwork,
		r.reconcileBackup,
	} {
		if err := step(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// platformStep is one step of a reconcile; it records what it observed in
// the scope and returns an error only when the pass cannot go on.
type platformStep func(context.Context, *platformScope) error

// SetupWithManager registers the reconciler and what wakes it.
func (r *DataPlatformReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.ProbeTiming == (ProbeTiming{}) {
		r.ProbeTiming = DefaultProbeTiming
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &scidatav1.DataPlatform{}, secretsIndex, r.indexSecrets); err != nil {
		return fmt.Errorf("index platforms by the Secrets they name: %w", err)
	}
	all := handler.EnqueueRequestsFromMapFunc(r.allPlatforms)
	return ctrl.NewControllerManagedBy(mgr).
		Named("dataplatform").
		// Status writes do not change the generation, so they wake nothing.
		For(&scidatav1.DataPlatform{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&appsv1.StatefulSet{}).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ServiceAccount{}).
		Owns(&corev1.ResourceQuota{}).
		Owns(&corev1.LimitRange{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		// The backup Jobs: a finished one is read back and recorded.
		Owns(&batchv1.Job{}).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.namespaceEvents)).
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(byPlatformLabel)).
		// A platform's Secrets: a deleted certificate or account is made
		// again at once, and the store's pod rolls to use it. And the
		// Secrets an External store names, which the city's storage team
		// makes (no label; the cache holds every Secret of the operator's
		// namespace): creating, changing or deleting one wakes exactly the
		// platforms that name it (secretsIndex).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.platformsNamingSecret)).
		// A store pod's status says why StorageReady is False (the cache
		// holds only store and sync pods).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(byPlatformLabel), builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetLabels()[scidatav1.LabelComponent] == platform.ComponentObjectStore
		}))).
		// The Center's clearance decides departments' network rules, and
		// the departments' External stores the Center's sync egress; the
		// cluster's DNS and apiserver endpoints decide everyone's.
		Watches(&scidatav1.DataPlatform{}, handler.EnqueueRequestsFromMapFunc(r.relatedPlatforms), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&discoveryv1.EndpointSlice{}, all).
		// Grants and sync Jobs hold a platform's hibernation; their end
		// releases it (dataplatform_hibernate.go).
		Watches(&scidatav1.AccessRequest{}, handler.EnqueueRequestsFromMapFunc(r.hibernationBlockerEvents)).
		Watches(&batchv1.Job{}, handler.EnqueueRequestsFromMapFunc(r.hibernationBlockerEvents)).
		Complete(r)
}

// byPlatformLabel maps an object to the platform its label names.
// namespaceEvents: a platform's namespace brings its platform back; the
// Center's namespace brings every platform back, since a department
// reconciled before it existed could not put its read-only account's copy
// there (mirrorCenterRead waits for it).
func (r *DataPlatformReconciler) namespaceEvents(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetName() == platform.CenterNamespace {
		return r.allPlatforms(ctx, o)
	}
	return byPlatformLabel(ctx, o)
}

func byPlatformLabel(_ context.Context, o client.Object) []reconcile.Request {
	if name := o.GetLabels()[scidatav1.LabelPlatform]; name != "" {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: name}}}
	}
	return nil
}

func (r *DataPlatformReconciler) allPlatforms(ctx context.Context, _ client.Object) []reconcile.Request {
	var list scidatav1.DataPlatformList
	if err := r.List(ctx, &list); err != nil {
		log.FromContext(ctx).Error(err, "list platforms")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, p := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: p.Name}})
	}
	return reqs
}

// relatedPlatforms maps a change of the Center to every platform (its
// clearance decides their network rules), and a change of a department to
// the Center (its sync pods may reach exactly the External stores of the
// departments it is cleared for).
func (r *DataPlatformReconciler) relatedPlatforms(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetName() != scidatav1.CenterName {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: scidatav1.CenterName}}}
	}
	return r.allPlatforms(ctx, o)
}
