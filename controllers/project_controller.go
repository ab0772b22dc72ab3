package controllers

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/sharing"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// projectIndex indexes CatalogEntries by the Project of their funded
// project id (submission.ProjectName).
const projectIndex = "scidata.io/project"

// ProjectReconciler keeps one Project per funded project id in the
// Center's namespace: every entry of that project across departments,
// where each one's submission stands, whether the project is ready for
// acceptance ("submit data first, then accept the project"), and the
// Center's signed statements of it, appended and never changed. Projects
// are records: the operator makes them and never deletes them.
type ProjectReconciler struct {
	client.Client
	Clock    clock.PassiveClock
	Recorder events.EventRecorder
	// SigningKey is the Center's receipt key (the Submission controller's).
	SigningKey func(context.Context) (ed25519.PrivateKey, error)
}

// +kubebuilder:rbac:groups=scidata.io,resources=projects,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=scidata.io,resources=projects/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=scidata.io,resources=catalogentries;submissions,verbs=get;list;watch

// Reconcile brings one Project up to date: its entries (by the field
// index), the Project made if it is missing, the status computed, a new
// statement signed when the project became ready with other receipts than
// the last statement's, one status write, and a requeue at the acceptance
// date.
func (r *ProjectReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	members, projectID, err := r.members(ctx, req.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	var p scidatav1.Project
	if err := r.Get(ctx, req.NamespacedName, &p); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		if len(members) == 0 {
			return ctrl.Result{}, nil
		}
		if p, err = r.create(ctx, req.NamespacedName); err != nil {
			return ctrl.Result{}, err
		}
	}
	now := r.Clock.Now()
	patch := reconcilekit.NewStatusPatch(&p)
	if p.Status.ProjectID == "" {
		p.Status.ProjectID = projectID
	}
	entries, received, acceptance := submission.ProjectEntries(members)
	p.Status.EntryCount, p.Status.Received, p.Status.AcceptanceDate = int32(len(entries)), received, acceptance
	ready := len(entries) > 0 && int(received) == len(entries)
	err = r.reconcileStatement(ctx, &p, entries, ready, now)
	if len(entries) > submission.MaxProjectEntries {
		entries = entries[:submission.MaxProjectEntries]
		err = reconcilekit.Stalledf(scidatav1.ReasonTooManyEntries, "%d entries name project %s, more than the %d a Project lists: no statement is signed for it; split the project's datasets into fewer entries",
			p.Status.EntryCount, p.Status.ProjectID, submission.MaxProjectEntries)
	}
	p.Status.Entries = entries
	p.Status.ReadyForAcceptance = ready && err == nil
	setProjectStatus(&p, now, err)
	var at time.Time
	if acceptance != nil && !ready {
		at = acceptance.Time
	}
	return reconcilekit.Finish(ctx, r.Client, patch, &p, reconcilekit.RequeueAt(now, at), err)
}

// members are the entries that name the project, in platform namespaces,
// each with the Submission of its current content version.
func (r *ProjectReconciler) members(ctx context.Context, name string) ([]submission.ProjectMember, string, error) {
	var list scidatav1.CatalogEntryList
	if err := r.List(ctx, &list, client.MatchingFields{projectIndex: name}); err != nil {
		return nil, "", fmt.Errorf("list the project's entries: %w", err)
	}
	var out []submission.ProjectMember
	id := ""
	for i := range list.Items {
		e := &list.Items[i]
		if !e.DeletionTimestamp.IsZero() || !sharing.InPlatformNamespace(e.Namespace) || e.Spec.Funding == nil {
			continue
		}
		id = e.Spec.Funding.ProjectID
		sub, err := submission.ForVersion(ctx, r.Client, e.Namespace, e.Name, e.Spec.Data.ContentVersion)
		if err != nil {
			return nil, "", err
		}
		out = append(out, submission.ProjectMember{Entry: e, Submission: sub})
	}
	return out, id, nil
}

// create makes the Project, which has no spec: a record the status fills.
func (r *ProjectReconciler) create(ctx context.Context, key types.NamespacedName) (scidatav1.Project, error) {
	p := scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: map[string]string{
		scidatav1.LabelManagedBy: scidatav1.ManagedBy, "app.kubernetes.io/part-of": "scidata", "app.kubernetes.io/component": "project",
	}}}
	if err := r.Create(ctx, &p); err != nil {
		if apierrors.IsNotFound(err) {
			return p, reconcilekit.WaitingFor(30*time.Second, scidatav1.ReasonCenterMissing, "the Center's namespace does not exist yet")
		}
		return p, fmt.Errorf("create project %s: %w", key.Name, err)
	}
	return p, nil
}

// reconcileStatement appends a signed statement when the project is ready
// and the latest statement does not attest these very receipts.
func (r *ProjectReconciler) reconcileStatement(ctx context.Context, p *scidatav1.Project, entries []scidatav1.ProjectEntry, ready bool, now time.Time) error {
	last := submission.LatestStatement(p)
	if !ready || len(entries) > submission.MaxProjectEntries || submission.StatementCovers(last, entries) {
		return nil
	}
	if len(p.Status.Statements) >= submission.MaxStatements {
		return reconcilekit.Stalledf(scidatav1.ReasonStatementsFull, "project %s has %d signed statements, as many as a Project keeps; its latest receipts are in its entries' Submissions",
			p.Status.ProjectID, len(p.Status.Statements))
	}
	key, err := r.SigningKey(ctx)
	if err != nil {
		return err
	}
	seq := int32(1)
	if last != nil {
		seq = last.Sequence + 1
	}
	st := submission.StatementFor(p, entries, seq, now)
	signed, err := receipt.SignStatement(key, st)
	if err != nil {
		return err
	}
	p.Status.Statements = append(p.Status.Statements, scidatav1.ProjectStatement{
		Sequence: seq, IssuedAt: metav1.NewTime(st.IssuedAt), Payload: signed.Payload, Signature: signed.Signature, KeyID: signed.KeyID})
	if r.Recorder != nil {
		r.Recorder.Eventf(p, nil, corev1.EventTypeNormal, scidatav1.EventStatementSigned, "Sign",
			"statement %d: all %d entries of project %s received; signed with key %s", seq, len(entries), p.Status.ProjectID, signed.KeyID)
	}
	return nil
}

// SetupWithManager indexes entries by project and registers the
// reconciler: a Project wakes for its entries (the old project too, when
// an entry moves) and their Submissions.
func (r *ProjectReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &scidatav1.CatalogEntry{}, projectIndex, func(o client.Object) []string {
		if n := projectOf(o); n != "" {
			return []string{n}
		}
		return nil
	}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&scidatav1.Project{}).
		Watches(&scidatav1.CatalogEntry{}, entryProjects{}).
		Watches(&scidatav1.Submission{}, handler.EnqueueRequestsFromMapFunc(r.ofSubmission)).
		Named("project").
		Complete(r)
}

func projectOf(o client.Object) string {
	e, ok := o.(*scidatav1.CatalogEntry)
	if !ok || e.Spec.Funding == nil || e.Spec.Funding.ProjectID == "" {
		return ""
	}
	return submission.ProjectName(e.Spec.Funding.ProjectID)
}

func projectRequest(name string) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: platform.CenterNamespace, Name: name}}
}

// ofSubmission maps a Submission to its entry's project.
func (r *ProjectReconciler) ofSubmission(ctx context.Context, o client.Object) []reconcile.Request {
	var e scidatav1.CatalogEntry
	if err := r.Get(ctx, types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetLabels()[submission.LabelEntry]}, &e); err != nil {
		return nil
	}
	if n := projectOf(&e); n != "" {
		return []reconcile.Request{projectRequest(n)}
	}
	return nil
}

// entryProjects enqueues the project of an entry, and on an update the
// project it left.
type entryProjects struct{}

func (entryProjects) add(q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
	for _, o := range objs {
		if n := projectOf(o); n != "" {
			q.Add(projectRequest(n))
		}
	}
}

func (h entryProjects) Create(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}

func (h entryProjects) Update(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.ObjectOld, e.ObjectNew)
}

func (h entryProjects) Delete(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}

func (h entryProjects) Generic(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}
