package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// AnnotationStoreAccount names, on a check Job, the access key it checks.
const AnnotationStoreAccount = "scidata.io/store-account"

// provision puts the approved grant in force and checks it: the
// credential, the grant's line in the owner's store, the Secret and the
// network path in the namespace of use, then the check Job. The request is
// Active once the check, run from the namespace of use with the grant's
// label and Secret, read the prefix and was refused a write.
func (r *AccessRequestReconciler) provision(ctx context.Context, s *accessScope) error {
	g := s.ar.Status.Grant
	if s.owner == nil {
		return reconcilekit.Stalledf(scidatav1.ReasonPlatformMissing, "namespace %s belongs to no DataPlatform, so there is no store to grant access to", s.ar.Spec.Entry.Namespace)
	}
	st, err := r.grantStore(ctx, s.owner)
	if err != nil {
		return err
	}
	g.Endpoint, g.Bucket = ptr.To(st.Endpoint), ptr.To(st.Bucket)
	key, secret, err := r.grantCredential(ctx, s, st)
	if err != nil {
		return err
	}
	in, err := r.grantInput(ctx, s, st, key, secret)
	if err != nil {
		return err
	}
	job, err := r.checkJob(ctx, s)
	if err != nil {
		return err
	}
	checked := g.ActivatedAt != nil && ptr.Deref(g.StoreAccount, "") == key
	if !checked && st.Managed && s.owner.IsHibernationRequested() {
		return r.holdForHibernation(ctx, s, job)
	}
	if failed, why := jobFailed(job); !checked && failed && job.Annotations[AnnotationStoreAccount] == key {
		// Nothing stays open on a grant that failed its check: its store
		// line and network path go. A Managed grant's Secret stays, so that
		// the check that follows the deletion of this Job tries the same
		// credential (the store deletes its account with the line); an
		// External grant's Secret goes, as its account outlives it.
		if err := r.removeAccess(ctx, s, false, st.Managed); err != nil {
			return err
		}
		return reconcilekit.Stalledf(scidatav1.ReasonGrantCheckFailed, "the check of the grant from %s failed: %s; mend the cause, then delete Job %s/%s to check again",
			in.Request.Spec.UseNamespace, why, job.Namespace, job.Name)
	}
	if err := r.ensureGrantSecret(ctx, in); err != nil {
		return err
	}
	if st.Managed {
		if err := r.storeLine(ctx, s, ptr.To(access.FileGrant(in))); err != nil {
			return err
		}
	}
	if err := r.ensureGrantNetwork(ctx, s, in); err != nil {
		return err
	}
	if checked {
		if job != nil {
			// A check of what is already checked: a pass that read the
			// request from the cache before it was recorded Active made it
			// after the first check's Job was deleted.
			if err := r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete the check Job of a checked grant: %w", err)
			}
		}
		s.provisioned = ready(scidatav1.ReasonGranted, activeMessage(s.ar))
		s.enter(scidatav1.AccessActive, scidatav1.ReasonGranted, "", activeMessage(s.ar))
		return nil
	}
	return r.followCheck(ctx, s, in, job, key)
}

// holdForHibernation holds a grant not yet checked while its owner's
// Managed store sleeps (spec.hibernation): nothing is opened and no check
// runs against a store that is stopping or stopped. A check Job already
// made goes, so that a fresh one runs once the owner resumes, which wakes
// the request by itself.
func (r *AccessRequestReconciler) holdForHibernation(ctx context.Context, s *accessScope, job *batchv1.Job) error {
	if job != nil {
		if err := r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete the check Job of a held grant: %w", err)
		}
	}
	msg := fmt.Sprintf("the owner's platform %s is hibernated (spec.hibernation): its store runs no pod, so the grant is made and checked once it resumes", s.owner.Name)
	s.provisioned = notReady(scidatav1.ReasonHibernated, msg)
	return reconcilekit.Waiting(scidatav1.ReasonHibernated, msg)
}

// grantStore is the owner's store, as a grant reaches it: from the store
// description, with its CA bundle (the operator's CA for a Managed store,
// the Secret the spec names for an External one).
func (r *AccessRequestReconciler) grantStore(ctx context.Context, owner *scidatav1.DataPlatform) (access.Store, error) {
	d := store.For(owner, r.Config.OperatorNamespace)
	st := access.Store{Platform: owner.Name, Namespace: platform.Namespace(owner), Managed: d.Managed,
		Endpoint: d.Endpoint, Bucket: d.Bucket, Region: d.Region, PathStyle: d.PathStyle}
	if !d.Managed {
		st.Peers = store.Peers(owner, r.Config.OperatorNamespace)
	}
	var reader client.Reader = r.Client // the operator's CA is cached
	if !d.Managed {
		reader = r.APIReader // the storage team's Secrets are not
	}
	cr, err := store.Resolve(ctx, reader, d)
	if err != nil {
		if me := (*store.MissingError)(nil); errors.As(err, &me) {
			return st, reconcilekit.WaitingFor(30*time.Second, scidatav1.ReasonProvisioning, "the store of "+owner.Name+": "+me.Error())
		}
		return st, err
	}
	st.CA = cr.CAPEM
	return st, nil
}

// grantCredential is the grant's access and secret key: for a Managed
// store drawn once from r.Rand and kept in the grant's Secret; for an
// External one, what the city's storage team put in the Secret named for
// the grant in the operator's namespace.
func (r *AccessRequestReconciler) grantCredential(ctx context.Context, s *accessScope, st access.Store) (key, secret string, err error) {
	if !st.Managed {
		return r.storageTeamCredential(ctx, s, st)
	}
	var sec corev1.Secret
	err = r.Get(ctx, types.NamespacedName{Namespace: s.ar.Spec.UseNamespace, Name: access.SecretName(s.id)}, &sec)
	switch {
	case err == nil && len(sec.Data[access.KeyAccess]) > 0 && len(sec.Data[access.KeySecret]) > 0:
		return string(sec.Data[access.KeyAccess]), string(sec.Data[access.KeySecret]), nil
	case err != nil && !apierrors.IsNotFound(err):
		return "", "", fmt.Errorf("get the grant's Secret: %w", err)
	}
	return platform.NewCredentials(r.Rand)
}

// StorageTeamSecret is the Secret, in the operator's namespace, that the
// city's storage team makes for a grant on an External store.
func StorageTeamSecret(id string) string { return "grant-" + id }

func (r *AccessRequestReconciler) storageTeamCredential(ctx context.Context, s *accessScope, st access.Store) (string, string, error) {
	name := types.NamespacedName{Namespace: r.Config.OperatorNamespace, Name: StorageTeamSecret(s.id)}
	var sec corev1.Secret
	if err := r.APIReader.Get(ctx, name, &sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", reconcilekit.WaitingFor(30*time.Second, scidatav1.ReasonAwaitingStoreAccount, fmt.Sprintf(
				"the store of %s is External: its storage team makes an account that reads %s/%s only (s3:GetObject on that prefix, s3:ListBucket with s3:prefix under it) until %s, and puts its keys (%s, %s) in Secret %s",
				st.Platform, st.Bucket, s.ar.Status.Grant.Prefix, s.ar.Status.Grant.ExpiresAt.UTC().Format(time.RFC3339), access.KeyAccess, access.KeySecret, name))
		}
		return "", "", fmt.Errorf("read %s: %w", name, err)
	}
	key, secret := string(sec.Data[access.KeyAccess]), string(sec.Data[access.KeySecret])
	if key == "" || secret == "" {
		return "", "", reconcilekit.Stalledf(scidatav1.ReasonAwaitingStoreAccount, "Secret %s lacks %s or %s", name, access.KeyAccess, access.KeySecret)
	}
	return key, secret, nil
}

func (r *AccessRequestReconciler) grantInput(ctx context.Context, s *accessScope, st access.Store, key, secret string) (access.Input, error) {
	var ns corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: s.ar.Spec.UseNamespace}, &ns); err != nil {
		if apierrors.IsNotFound(err) {
			return access.Input{}, reconcilekit.Stalledf(scidatav1.ReasonNamespaceNotAllowed, "the namespace of use %s does not exist", s.ar.Spec.UseNamespace)
		}
		return access.Input{}, fmt.Errorf("get namespace %s: %w", s.ar.Spec.UseNamespace, err)
	}
	g := s.ar.Status.Grant
	return access.Input{Request: s.ar, ID: s.id, Store: st, Access: key, Secret: secret, Prefix: g.Prefix, ExpiresAt: g.ExpiresAt.UTC(),
		UseIsPlatform: ns.Labels[scidatav1.LabelPlatform] != "", Image: r.Config.OperatorImage, PullPolicy: r.Config.ImagePullPolicy}, nil
}

// ensureGrantSecret writes the grant's Secret in the namespace of use.
func (r *AccessRequestReconciler) ensureGrantSecret(ctx context.Context, in access.Input) error {
	want := access.GrantSecret(in)
	var live corev1.Secret
	err := r.Get(ctx, client.ObjectKeyFromObject(want), &live)
	switch {
	case apierrors.IsNotFound(err):
		if err := r.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create the grant's Secret: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("get the grant's Secret: %w", err)
	}
	if sameData(live.Data, want.Data) && maps.Equal(live.Labels, want.Labels) && maps.Equal(live.Annotations, want.Annotations) {
		return nil
	}
	live.Data, live.Labels, live.Annotations = want.Data, want.Labels, want.Annotations
	if err := r.Update(ctx, &live); err != nil {
		return fmt.Errorf("update the grant's Secret: %w", err)
	}
	return nil
}

// storeLine puts the grant's line in the owner's grants Secret (want), or
// takes it out (want nil), dropping expired lines as it goes. The store's
// sidecar reads the mounted file and makes or deletes the account.
func (r *AccessRequestReconciler) storeLine(ctx context.Context, s *accessScope, want *storeboot.FileGrant) error {
	name := types.NamespacedName{Namespace: platform.Namespace(s.owner), Name: platform.GrantsSecretName}
	var sec corev1.Secret
	err := r.Get(ctx, name, &sec)
	if apierrors.IsNotFound(err) {
		if want == nil {
			return nil
		}
		return reconcilekit.Waiting(scidatav1.ReasonProvisioning, "the store of "+s.owner.Name+" has no grants Secret yet (its DataPlatform makes it)")
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", name, err)
	}
	lines, err := storeboot.ParseGrants(sec.Data[storeboot.GrantsFile])
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var keep []storeboot.FileGrant
	for _, l := range storeboot.Live(lines, s.now) {
		if l.ID != s.id {
			keep = append(keep, l)
		}
	}
	if want != nil {
		keep = append(keep, *want)
	}
	data, err := storeboot.EncodeGrants(keep)
	if err != nil {
		return err
	}
	if bytes.Equal(data, sec.Data[storeboot.GrantsFile]) {
		return nil
	}
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	sec.Data[storeboot.GrantsFile] = data
	if err := r.Update(ctx, &sec); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	return nil
}

// ensureGrantNetwork applies the grant's NetworkPolicies and removes any of
// its others (the namespace of use stopped being a platform's).
func (r *AccessRequestReconciler) ensureGrantNetwork(ctx context.Context, s *accessScope, in access.Input) error {
	want := map[types.NamespacedName]bool{}
	for _, np := range access.NetworkPolicies(in) {
		want[types.NamespacedName{Namespace: *np.Namespace, Name: *np.Name}] = true
		if _, err := apply.Ensure(ctx, r.Client, np, &networkingv1.NetworkPolicy{}, networkingv1ac.ExtractNetworkPolicy); err != nil {
			return err
		}
	}
	return r.deleteGrantObjects(ctx, s, &networkingv1.NetworkPolicyList{}, func(key types.NamespacedName) bool { return !want[key] })
}

// checkJob is the grant's check Job, nil when there is none.
func (r *AccessRequestReconciler) checkJob(ctx context.Context, s *accessScope) (*batchv1.Job, error) {
	var job batchv1.Job
	err := r.Get(ctx, types.NamespacedName{Namespace: s.ar.Spec.UseNamespace, Name: access.CheckJobName(s.id)}, &job)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get the grant's check Job: %w", err)
	}
	return &job, nil
}

// followCheck starts the check Job for the credential key, follows it, and
// when it succeeded records the grant Active and deletes the Job.
func (r *AccessRequestReconciler) followCheck(ctx context.Context, s *accessScope, in access.Input, job *batchv1.Job, key string) error {
	where := in.Request.Spec.UseNamespace + "/" + access.CheckJobName(s.id)
	if job != nil && job.Annotations[AnnotationStoreAccount] != key {
		// It checks a credential the grant no longer has.
		if err := r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete the stale check Job: %w", err)
		}
		return reconcilekit.Waiting(scidatav1.ReasonCheckingGrant, "the grant's credential changed: its check starts again")
	}
	if job == nil {
		j := access.CheckJob(in)
		j.Annotations[AnnotationStoreAccount] = key
		if err := r.Create(ctx, j); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create the grant's check Job: %w", err)
		}
		s.provisioned = notReady(scidatav1.ReasonCheckingGrant, "Job "+where+" checks the grant")
		return reconcilekit.Waiting(scidatav1.ReasonCheckingGrant, "Job "+where+" checks from the namespace of use that the grant reads "+in.Prefix+" and cannot write")
	}
	if !jobSucceeded(job) {
		s.provisioned = notReady(scidatav1.ReasonCheckingGrant, "Job "+where+" checks the grant")
		return reconcilekit.Waiting(scidatav1.ReasonCheckingGrant, "Job "+where+" checks from the namespace of use that the grant reads "+in.Prefix+" and cannot write")
	}
	msg, err := r.checkResult(ctx, job)
	if err != nil {
		return err
	}
	res, err := access.ParseCheckResult(msg)
	if err != nil || !res.WriteRefused || !res.OutsideRefused {
		return reconcilekit.Stalledf(scidatav1.ReasonGrantCheckFailed, "Job %s succeeded but its result %q does not show the grant read-only; delete the Job to check again", where, msg)
	}
	g := s.ar.Status.Grant
	g.ActivatedAt, g.StoreAccount = ptr.To(metav1.NewTime(s.now.UTC().Truncate(time.Second))), ptr.To(key)
	if err := r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete the check Job: %w", err)
	}
	detail := fmt.Sprintf("%s; checked from %s: the credential listed %d objects under %s and was refused a write and a listing of the whole bucket",
		activeMessage(s.ar), in.Request.Spec.UseNamespace, res.Listed, in.Prefix)
	s.provisioned = ready(scidatav1.ReasonGranted, detail)
	s.enter(scidatav1.AccessActive, scidatav1.ReasonGranted, "", detail)
	return nil
}

// checkResult is the termination message of the check Job's pod.
func (r *AccessRequestReconciler) checkResult(ctx context.Context, job *batchv1.Job) (string, error) {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(job.Namespace), client.MatchingLabels{batchv1.JobNameLabel: job.Name}); err != nil {
		return "", fmt.Errorf("list the check's pods: %w", err)
	}
	for _, p := range pods.Items {
		for _, c := range p.Status.ContainerStatuses {
			if t := c.State.Terminated; t != nil && t.ExitCode == 0 && t.Message != "" {
				return t.Message, nil
			}
		}
	}
	return "", reconcilekit.Waiting(scidatav1.ReasonCheckingGrant, "the check Job "+job.Name+" succeeded; its pod's result is not seen yet")
}

func jobSucceeded(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// jobFailed reports whether the Job failed, and why.
func jobFailed(j *batchv1.Job) (bool, string) {
	if j == nil {
		return false, ""
	}
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return true, c.Reason + ": " + c.Message + " (kubectl logs -n " + j.Namespace + " job/" + j.Name + ")"
		}
	}
	return false, ""
}

func activeMessage(ar *scidatav1.AccessRequest) string {
	g := ar.Status.Grant
	return fmt.Sprintf("pods in %s labelled %s read %s with Secret %s until %s", ar.Spec.UseNamespace, g.PodLabel, g.Prefix, g.SecretName,
		g.ExpiresAt.UTC().Format(time.RFC3339))
}

// remove takes away what a grant made once it must not be in force: at its
// end, or while it is held back. A request never approved made nothing.
func (r *AccessRequestReconciler) remove(ctx context.Context, s *accessScope) error {
	g := s.ar.Status.Grant
	if g == nil {
		return nil
	}
	final := s.verdict.State.Final()
	if err := r.removeAccess(ctx, s, true, false); err != nil {
		return err
	}
	if final && g.EndedAt == nil {
		g.EndedAt = ptr.To(metav1.NewTime(s.now.UTC().Truncate(time.Second)))
	}
	s.provisioned = notReady(s.verdict.Reason, "the grant's account, bucket policy statements, Secret and network path are removed")
	if s.verdict.Blocked {
		return reconcilekit.Stalled(s.verdict.Reason, s.verdict.Message)
	}
	return nil
}

// removeAccess deletes everything of the grant: the NetworkPolicies, the
// Secret (unless keepSecret), the store's line and, withJob, the check Job
// (a failed check's Job is kept: it is the evidence, and deleting it asks
// for a new check).
func (r *AccessRequestReconciler) removeAccess(ctx context.Context, s *accessScope, withJob, keepSecret bool) error {
	if withJob {
		if err := r.deleteGrantObjects(ctx, s, &batchv1.JobList{}, nil); err != nil {
			return err
		}
	}
	lists := []client.ObjectList{&networkingv1.NetworkPolicyList{}}
	if !keepSecret {
		lists = append(lists, &corev1.SecretList{})
	}
	for _, list := range lists {
		if err := r.deleteGrantObjects(ctx, s, list, nil); err != nil {
			return err
		}
	}
	if s.owner != nil && platform.Managed(s.owner) {
		return r.storeLine(ctx, s, nil)
	}
	return nil
}

// deleteGrantObjects deletes the objects of the grant in the namespace of
// use and the owner's namespace that drop says to drop (all when nil).
func (r *AccessRequestReconciler) deleteGrantObjects(ctx context.Context, s *accessScope, list client.ObjectList, drop func(types.NamespacedName) bool) error {
	namespaces := []string{s.ar.Spec.UseNamespace}
	if ns := s.ar.Spec.Entry.Namespace; ns != s.ar.Spec.UseNamespace {
		namespaces = append(namespaces, ns)
	}
	for _, ns := range namespaces {
		if err := r.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{scidatav1.LabelAccessGrant: s.id, scidatav1.LabelManagedBy: scidatav1.ManagedBy}); err != nil {
			return fmt.Errorf("list what grant %s made in %s: %w", s.id, ns, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, item := range items {
			o := item.(client.Object)
			if drop != nil && !drop(client.ObjectKeyFromObject(o)) {
				continue
			}
			if err := r.Delete(ctx, o, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete %s/%s of grant %s: %w", o.GetNamespace(), o.GetName(), s.id, err)
			}
		}
	}
	return nil
}
