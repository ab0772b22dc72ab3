package controllers

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// ReceiptName is the receipt's name beside the manifest in the Center's
// store.
const ReceiptName = "receipt.json"

// reconcileTransfer moves an approved Submission on: it refers data the
// Center is not cleared for to the secrecy channel before any Job, holds
// a Submission a metadata gate returned, starts the sync Job, follows it,
// and when it succeeds reads the manifest back and runs the data gates,
// then (after a curator's acceptance where the city asks for one) signs
// the receipt and stores it. While the transfer is under way it returns a
// Waiting error (the Job's events bring it back); for what needs a
// person, a Stalled one.
func (r *SubmissionReconciler) reconcileTransfer(ctx context.Context, sc *submissionScope) error {
	s := sc.s
	rv := s.Status.Review
	if s.Status.Receipt != nil {
		return r.storeReceipt(ctx, s)
	}
	center, err := r.center(ctx)
	if err != nil {
		return err
	}
	if center != nil {
		// Referred before anything else: no review or deadline runs
		// against data the Center may not hold.
		if err := referral(s, center, sc.now); err != nil {
			return err
		}
	}
	if (rv != nil && rv.Decision == scidatav1.ReviewDenied) || (sc.reviewRequired && rv == nil) {
		return nil
	}
	if center == nil {
		return reconcilekit.Waiting(scidatav1.ReasonCenterMissing, "there is no Center (DataPlatform center) to receive the data yet")
	}
	if failed := submission.FirstFailed(s.Status.Gates, scidatav1.GateMetadata); failed != nil && (s.Status.Transfer == nil || s.Status.Transfer.JobName == "") {
		return nil // returned: no transfer until the entry is fixed
	}
	if t := s.Status.Transfer; t != nil && t.CompletedAt != nil {
		return r.issueReceipt(ctx, sc)
	}
	if s.Status.Transfer == nil || s.Status.Transfer.JobName == "" {
		return r.startTransfer(ctx, s, center)
	}
	return r.followTransfer(ctx, sc, center)
}

func (r *SubmissionReconciler) center(ctx context.Context) (*scidatav1.DataPlatform, error) {
	var c scidatav1.DataPlatform
	if err := r.Get(ctx, types.NamespacedName{Name: scidatav1.CenterName}, &c); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return &c, nil
}

// startTransfer creates the deterministic sync Job and records it.
func (r *SubmissionReconciler) startTransfer(ctx context.Context, s *scidatav1.Submission, center *scidatav1.DataPlatform) error {
	if err := hibernationHold(center, "the Center"); err != nil {
		return err
	}
	var ns corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: s.Namespace}, &ns); err != nil {
		return fmt.Errorf("get namespace: %w", err)
	}
	var dept scidatav1.DataPlatform
	if err := r.Get(ctx, types.NamespacedName{Name: ns.Labels[scidatav1.LabelPlatform]}, &dept); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcilekit.Stalledf(scidatav1.ReasonPlatformMissing, "namespace %s belongs to no DataPlatform, so there is no store to copy from", s.Namespace)
		}
		return err
	}
	if err := hibernationHold(&dept, "the department's platform"); err != nil {
		return err
	}
	backoff, err := r.backoffLimit(ctx, s)
	if err != nil {
		return err
	}
	job := submission.SyncJob(submission.JobInput{Submission: s, Center: center,
		Source: store.For(&dept, r.Config.OperatorNamespace), Dest: store.For(center, r.Config.OperatorNamespace),
		Image: r.Config.OperatorImage, PullPolicy: r.Config.ImagePullPolicy, BackoffLimit: backoff})
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create sync job: %w", err)
	}
	now := metav1.NewTime(r.Clock.Now())
	s.Status.Transfer = &scidatav1.Transfer{JobName: job.Name, StartedAt: &now, Attempts: 1,
		Destination: s.Spec.Department + "/" + s.Spec.Entry.Name + "/" + s.Spec.ContentVersion + "/"}
	return reconcilekit.Waiting(scidatav1.ReasonTransferring, "sync job "+platform.CenterNamespace+"/"+job.Name+" is copying the data")
}

// backoffLimit is the largest retry limit of the policies covering the entry.
func (r *SubmissionReconciler) backoffLimit(ctx context.Context, s *scidatav1.Submission) (int32, error) {
	cov, err := submission.FetchCoverage(ctx, r.Client, types.NamespacedName{Namespace: s.Namespace, Name: s.Spec.Entry.Name})
	if err != nil || cov == nil {
		return 3, err
	}
	limit := int32(-1)
	for _, p := range cov.Policies {
		limit = max(limit, ptr.Deref(p.Spec.BackoffLimit, 3))
	}
	if limit < 0 {
		return 3, nil
	}
	return limit, nil
}

// followTransfer reads the Job: running, failed (with the worker's own
// reason), or complete, in which case the receipt is issued.
func (r *SubmissionReconciler) followTransfer(ctx context.Context, sc *submissionScope, center *scidatav1.DataPlatform) error {
	s := sc.s
	var job batchv1.Job
	err := r.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: s.Status.Transfer.JobName}, &job)
	if apierrors.IsNotFound(err) {
		// Gone before the receipt (deleted, or cleaned up): the same Job
		// again; the worker finishes a version without copying it twice.
		s.Status.Transfer.JobName = ""
		return reconcilekit.Waiting(scidatav1.ReasonTransferring, "the sync job is gone before a receipt; starting it again")
	}
	if err != nil {
		return fmt.Errorf("get sync job: %w", err)
	}
	s.Status.Transfer.Attempts = max(s.Status.Transfer.Attempts, job.Status.Failed+ptr.Deref(job.Status.Ready, 0)+job.Status.Succeeded)
	switch {
	case jobCondition(&job, batchv1.JobComplete):
		// The manifest is read back from the Center's store.
		if err := hibernationHold(center, "the Center"); err != nil {
			return err
		}
		sum, err := r.workerSummary(ctx, &job)
		if err != nil {
			return err
		}
		if err := r.verifyTransfer(ctx, s, center, sum); err != nil {
			return err
		}
		return r.issueReceipt(ctx, sc)
	case jobCondition(&job, batchv1.JobFailed):
		sum, _ := r.workerSummary(ctx, &job)
		return reconcilekit.Stalledf(syncer.Reason(sum.ExitCode), "the sync job failed after %d attempts: %s", job.Status.Failed, describeFailure(sum))
	default:
		return reconcilekit.Waiting(scidatav1.ReasonTransferring, fmt.Sprintf("sync job %s/%s is copying the data (attempt %d)", platform.CenterNamespace, job.Name, s.Status.Transfer.Attempts))
	}
}

func jobCondition(j *batchv1.Job, typ batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// workerSummary is the termination message of the Job's last finished pod:
// the worker's claim, checked against the store before anything is signed.
func (r *SubmissionReconciler) workerSummary(ctx context.Context, job *batchv1.Job) (syncer.Summary, error) {
	return jobSummary(ctx, r.Client, job)
}

// jobSummary is the sync worker's termination message in the last
// finished pod of job (a sync or a backup Job).
func jobSummary(ctx context.Context, c client.Reader, job *batchv1.Job) (syncer.Summary, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(job.Namespace), client.MatchingLabels{batchv1.JobNameLabel: job.Name}); err != nil {
		return syncer.Summary{}, fmt.Errorf("list sync pods: %w", err)
	}
	var sum syncer.Summary
	var last time.Time
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			t := cs.State.Terminated
			if t == nil || !t.FinishedAt.After(last) {
				continue
			}
			last = t.FinishedAt.Time
			sum = syncer.Summary{ExitCode: int(t.ExitCode), Error: t.Reason}
			_ = json.Unmarshal([]byte(t.Message), &sum)
		}
	}
	return sum, nil
}

func describeFailure(s syncer.Summary) string {
	if s.Error == "" {
		return fmt.Sprintf("exit code %d (see docs/sync.md)", s.ExitCode)
	}
	return fmt.Sprintf("exit code %d: %s", s.ExitCode, s.Error)
}

// verifyTransfer reads the manifest back from the Center's store, hashes
// it, checks it against the worker's claim and the Submission, runs the
// data gates, and records the transfer as completed and verified.
func (r *SubmissionReconciler) verifyTransfer(ctx context.Context, s *scidatav1.Submission, center *scidatav1.DataPlatform, claim syncer.Summary) error {
	store, err := r.OpenCenterStore(ctx, center)
	if err != nil {
		return fmt.Errorf("open the Center's store: %w", err)
	}
	dest := s.Status.Transfer.Destination
	manifest, err := store.Get(ctx, dest+syncer.ManifestName)
	if err != nil {
		return fmt.Errorf("read the manifest back: %w", err)
	}
	digest := receipt.Digest(manifest)
	var m syncer.Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return reconcilekit.Stalledf(scidatav1.ReasonManifestMismatch, "%s%s in the Center's store is not a manifest: %v", dest, syncer.ManifestName, err)
	}
	if claim.ManifestDigest != "" && claim.ManifestDigest != digest {
		return reconcilekit.Stalledf(scidatav1.ReasonManifestMismatch, "the sync worker reported manifest %s but the Center's store holds %s: no receipt is issued", claim.ManifestDigest, digest)
	}
	if m.Department != s.Spec.Department || m.Entry != s.Spec.Entry.Name || m.ContentVersion != s.Spec.ContentVersion {
		return reconcilekit.Stalledf(scidatav1.ReasonManifestMismatch, "the manifest at %s describes %s/%s/%s, not this submission", dest, m.Department, m.Entry, m.ContentVersion)
	}
	if err := recordDataGates(ctx, s, store, dest, m, claim); err != nil {
		return err
	}
	var bytes int64
	for _, o := range m.Objects {
		bytes += o.Size
	}
	now := metav1.NewTime(r.Clock.Now().UTC().Truncate(time.Second))
	t := s.Status.Transfer
	t.CompletedAt, t.ManifestDigest, t.Objects, t.Bytes = &now, digest, int64(len(m.Objects)), bytes
	return nil
}

// issueReceipt signs the receipt of a verified transfer, once the metadata
// gates pass on the entry as it is now and, where the city asks for one,
// a curator of the Center has accepted.
func (r *SubmissionReconciler) issueReceipt(ctx context.Context, sc *submissionScope) error {
	s := sc.s
	if failed := submission.FirstFailed(s.Status.Gates, scidatav1.GateMetadata); failed != nil {
		return nil // returned after the transfer: the receipt waits for the fixed entry
	}
	if sc.terms != nil && sc.terms.CuratorRequired && s.Status.Acceptance == nil {
		return reconcilekit.Waiting(scidatav1.ReasonAwaitingAcceptance, "transferred and verified; waiting for a curator of the Center to write status.acceptance")
	}
	key, err := r.signingKey(ctx)
	if err != nil {
		return err
	}
	rc, err := receipt.Sign(key, receiptPayload(s, r.Clock.Now()))
	if err != nil {
		return err
	}
	s.Status.Receipt = &scidatav1.Receipt{Payload: rc.Payload, Signature: rc.Signature, KeyID: rc.KeyID}
	return nil
}

// storeReceipt puts the receipt of the status beside the manifest, once.
// It runs after the status holds the receipt, so the stored copy is always
// the record's.
func (r *SubmissionReconciler) storeReceipt(ctx context.Context, s *scidatav1.Submission) error {
	if meta.IsStatusConditionTrue(s.Status.Conditions, scidatav1.ConditionReceived) {
		return nil
	}
	center, err := r.center(ctx)
	if err != nil || center == nil {
		return err
	}
	if err := hibernationHold(center, "the Center"); err != nil {
		return err
	}
	store, err := r.OpenCenterStore(ctx, center)
	if err != nil {
		return fmt.Errorf("open the Center's store: %w", err)
	}
	if err := r.storeKeySet(ctx, store); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s.Status.Receipt, "", "  ")
	if err != nil {
		return err
	}
	if err := store.Put(ctx, s.Status.Transfer.Destination+ReceiptName, append(b, '\n')); err != nil {
		return fmt.Errorf("store the receipt: %w", err)
	}
	setReceivedCondition(s, r.Clock.Now())
	return nil
}

// signingKey loads the Center's receipt key, creating it on first use and
// publishing its public key in the append-only key set.
func (r *SubmissionReconciler) signingKey(ctx context.Context) (ed25519.PrivateKey, error) {
	key := types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.SigningKeySecretName}
	sec, _, err := apply.CreateOnce(ctx, r.Client, key, &corev1.Secret{}, func() (*corev1.Secret, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		pemBytes, err := receipt.MarshalPrivateKey(priv)
		if err != nil {
			return nil, err
		}
		return platform.SigningKeySecret(pemBytes), nil
	})
	if err != nil {
		return nil, fmt.Errorf("the receipt signing key: %w", err)
	}
	priv, err := receipt.ParsePrivateKey(sec.Data[platform.SigningKeyField])
	if err != nil {
		return nil, err
	}
	return priv, r.publishKey(ctx, priv.Public().(ed25519.PublicKey))
}

// storeKeySet keeps a copy of the receipt key set in the Center's store,
// at centerstore.KeySetKey beside the receipts it verifies, before a
// receipt is stored: the Center's backups (and their restore drills) carry
// the key set with the receipts, so a restored copy verifies offline even
// when the cluster's ConfigMap is lost. It is written only when it differs.
func (r *SubmissionReconciler) storeKeySet(ctx context.Context, store centerstore.Store) error {
	var cm corev1.ConfigMap
	key := types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}
	err := r.Get(ctx, key, &cm)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		// Made a moment ago, with the signing key: not cached yet.
		err = r.APIReader.Get(ctx, key, &cm)
	}
	if err != nil {
		return fmt.Errorf("get the key set: %w", err)
	}
	want := []byte(cm.Data[receipt.KeySetField])
	if have, err := store.Get(ctx, centerstore.KeySetKey); err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := store.Put(ctx, centerstore.KeySetKey, want); err != nil {
		return fmt.Errorf("store the key set: %w", err)
	}
	return nil
}

// publishKey appends pub to the key set ConfigMap; keys are never removed.
func (r *SubmissionReconciler) publishKey(ctx context.Context, pub ed25519.PublicKey) error {
	var cm corev1.ConfigMap
	key := types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}
	err := r.Get(ctx, key, &cm)
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("get the key set: %w", err)
	}
	var set receipt.KeySet
	if err == nil && cm.Data[receipt.KeySetField] != "" {
		if set, err = receipt.ParseKeySet([]byte(cm.Data[receipt.KeySetField])); err != nil {
			return err
		}
	}
	if !set.Append(pub, r.Clock.Now()) {
		return nil
	}
	b, _ := json.MarshalIndent(set, "", "  ")
	if cm.Name == "" {
		return r.Create(ctx, platform.ReceiptKeySet(receipt.KeySetField, b))
	}
	cm.Data[receipt.KeySetField] = string(b)
	return r.Update(ctx, &cm)
}

// OpenCenterStoreFromCluster opens the Center's store as its description
// says (internal/store): Managed or External, with the Center's sync
// writer, verified against the store's CA. dial is nil in production.
func OpenCenterStoreFromCluster(c client.Reader, operatorNamespace string, dial store.Dialer) func(context.Context, *scidatav1.DataPlatform) (centerstore.Store, error) {
	return func(ctx context.Context, center *scidatav1.DataPlatform) (centerstore.Store, error) {
		return centerstore.Open(ctx, c, center, operatorNamespace, dial)
	}
}
