package controllers

import (
	"context"
	"errors"
	"fmt"
	"k8s.io/utils/ptr"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// An External store's steps. The Secrets its spec names (in the operator's
// namespace, all of which the manager caches) are read and copied to where
// the pods that use them mount them, under the names a Managed store's
// have; then the store is probed with them (store.Prober): StorageReady is
// what the probe proved, never what the spec claims.

// StoreProber proves what an External store lets its accounts do. The
// manager runs store.Prober (real S3 requests); so does envtest, against
// real servers.
type StoreProber interface {
	Probe(ctx context.Context, st store.Store, cr store.Credentials, full bool) store.ProbeResult
}

// ProbeTiming is when an External store is probed again: while it is not
// ready, after half the time it has been failing, within [MinBackoff,
// MaxBackoff]; once ready, every ReadyInterval (the bucket only). A change
// of a Secret it names probes it at once.
type ProbeTiming struct {
	MinBackoff, MaxBackoff, ReadyInterval time.Duration
}

// DefaultProbeTiming is the manager's.
var DefaultProbeTiming = ProbeTiming{MinBackoff: 2 * time.Second, MaxBackoff: 5 * time.Minute, ReadyInterval: 2 * time.Minute}

// next is how long to wait before the next probe, given the outcome and
// StorageReady as the pass found it.
func (t ProbeTiming) next(ok bool, prev *metav1.Condition, now time.Time) time.Duration {
	if ok {
		return t.ReadyInterval
	}
	var failing time.Duration
	if prev != nil && prev.Status == metav1.ConditionFalse {
		failing = now.Sub(prev.LastTransitionTime.Time)
	}
	return min(max(failing/2, t.MinBackoff), t.MaxBackoff)
}

// externalStore is what a pass resolved of an External store.
type externalStore struct {
	store store.Store
	// creds is nil until every Secret the store needs was read.
	creds *store.Credentials
}

// reconcileExternalCredentials reads the Secrets an External store names,
// copies the owners' account into the platform's namespace (where the
// owners read it by name), and the account the Center's sync Jobs use into
// the Center's: a department's read-only account with its store's CA
// bundle, or the Center's sync writer. A Secret that is missing, or named
// in another namespace, makes StorageReady False and the platform Stalled
// with SecretMissing, naming it; the other steps still run.
func (r *DataPlatformReconciler) reconcileExternalCredentials(ctx context.Context, s *platformScope) error {
	st := store.For(s.dp, r.Config.OperatorNamespace)
	s.ext = &externalStore{store: st}
	if msg := r.externalRefsProblem(s.dp, st); msg != "" {
		s.storage = stalled(scidatav1.ReasonSecretMissing, msg)
		return nil
	}
	if err := r.refuseManagedLeftovers(ctx, s.dp); err != nil {
		return err
	}
	cr, err := store.Resolve(ctx, r.Client, st, st.Writer(), st.Reader())
	var missing *store.MissingError
	if errors.As(err, &missing) {
		s.storage = stalled(scidatav1.ReasonSecretMissing, missingMessage(missing))
		return nil
	}
	if err != nil {
		return err
	}
	s.ext.creds = &cr
	ns := platform.Namespace(s.dp)
	if err := r.ensureCopy(ctx, platform.CopiedCredentialsSecret(s.dp, ns, platform.UploadCredentialsName, platform.ComponentObjectStore, keysSecret(cr.Keys[store.Upload]))); err != nil {
		return err
	}
	if s.dp.Spec.Role == scidatav1.RoleCenter {
		return r.ensureCopy(ctx, platform.CopiedCredentialsSecret(s.dp, ns, platform.SyncCredentialsName, platform.ComponentSync, keysSecret(cr.Keys[store.SyncWriter])))
	}
	return r.mirrorCenterRead(ctx, s.dp, keysSecret(cr.Keys[store.CenterRead]), cr.CAPEM)
}

// externalRefsProblem says what is wrong with the Secret references
// themselves ("" when nothing): one in another namespace (stored before
// the admission policy refused it), or an account not named (stored
// before it was required).
func (r *DataPlatformReconciler) externalRefsProblem(dp *scidatav1.DataPlatform, st store.Store) string {
	for _, a := range []store.Account{store.Upload, store.CenterRead, store.SyncWriter, ""} {
		ref := st.CA
		if a != "" {
			ref = st.Accounts[a]
		}
		if ref.Name != "" && ref.Namespace != r.Config.OperatorNamespace {
			return fmt.Sprintf("%s.namespace: %s is not the operator's namespace %s: the operator reads the Secrets a platform names there only; move Secret %s there and remove the namespace",
				store.Field(a), ref.Namespace, r.Config.OperatorNamespace, ref.Name)
		}
	}
	if _, ok := st.Accounts[st.Reader()]; !ok {
		return store.Field(st.Reader()) + " is not set: name the Secret of the account the city's storage team made for it"
	}
	if _, ok := st.Accounts[st.Writer()]; !ok {
		return store.Field(st.Writer()) + " is not set: name the Secret of the account the city's storage team made for it"
	}
	return ""
}

func missingMessage(m *store.MissingError) string {
	what := fmt.Sprintf("Secret %s named by %s", m.Ref, store.Field(m.Account))
	keys := fmt.Sprintf("the keys %s and %s of that account", platform.AccessKeyField, platform.SecretKeyField)
	if m.Account == "" {
		keys = "the key " + store.CAField + ", the PEM of the CA that signs the endpoint's certificate"
	}
	if m.Key == "" {
		return fmt.Sprintf("%s does not exist: create it in the operator's namespace with %s", what, keys)
	}
	return fmt.Sprintf("%s has no %s: it must hold %s", what, m.Key, keys)
}

// refuseManagedLeftovers stalls an External platform whose namespace holds
// a Managed store's retained credentials: its copies would replace them,
// and an External store cannot serve a retained volume's data.
func (r *DataPlatformReconciler) refuseManagedLeftovers(ctx context.Context, dp *scidatav1.DataPlatform) error {
	var root corev1.Secret
	err := r.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.RootCredentialsName}, &root)
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("look for a retained Managed store: %w", err)
	}
	if err == nil {
		return reconcilekit.Stalledf(scidatav1.ReasonNamespaceConflict, "namespace %s holds the credentials of a retained Managed store (Secret %s): an External platform cannot adopt a Managed store's data; migrate it, or create the platform as Managed",
			platform.Namespace(dp), platform.RootCredentialsName)
	}
	return nil
}

func keysSecret(k store.Keys) *corev1.Secret {
	return &corev1.Secret{Data: map[string][]byte{platform.AccessKeyField: []byte(k.Access), platform.SecretKeyField: []byte(k.Secret)}}
}

// reconcileExternalCA publishes the External store's CA bundle as the
// ConfigMap scidata-ca of the platform's namespace, as a Managed store's is.
func (r *DataPlatformReconciler) reconcileExternalCA(ctx context.Context, s *platformScope) error {
	if s.ext == nil || s.ext.creds == nil || len(s.ext.creds.CAPEM) == 0 {
		return nil
	}
	return r.publishCABundle(ctx, s.dp, s.ext.creds.CAPEM)
}

// probeExternal records StorageReady from the probe of the External
// store. The probe proves every account once per version of its Secrets
// (status.externalStore.accountsVerified); then it lists the bucket only.
// A probe's outcome is kept until the next is due, so that other events
// wake the platform without sending the store a request.
func (r *DataPlatformReconciler) probeExternal(ctx context.Context, s *platformScope) {
	st := s.ext.store
	s.dp.Status.Endpoints.ObjectStore, s.dp.Status.Endpoints.Bucket = st.Endpoint, ptr.To(st.Bucket)
	if s.ext.creds == nil {
		// A Secret is missing: StorageReady says which, and no account is
		// proved any more. Its creation brings the platform back (the
		// Secrets' field index), not a timer.
		s.dp.Status.ExternalStore = nil
		return
	}
	cr := *s.ext.creds
	full := s.dp.Status.ExternalStore == nil || ptr.Deref(s.dp.Status.ExternalStore.AccountsVerified, "") != cr.Versions
	prev := meta.FindStatusCondition(s.dp.Status.Conditions, scidatav1.ConditionStorageReady)
	res, wait := r.probes.probe(ctx, r.Prober, r.ProbeTiming, s, cr, full, prev)
	if res.OK() {
		if full {
			s.dp.Status.ExternalStore = &scidatav1.ExternalStoreStatus{AccountsVerified: ptr.To(cr.Versions)}
		}
		s.storage = ready(scidatav1.ReasonExternalStoreVerified, fmt.Sprintf("bucket %s at %s answers %s: it writes, lists and removes there, and %s reads and cannot write (proved with the Secrets' current versions)",
			st.Bucket, st.Endpoint, st.Describe(st.Writer()), st.Describe(st.Reader())))
	} else {
		s.dp.Status.ExternalStore = nil
		s.storage = observation{seen: true, reason: res.Reason, message: res.Message, stalls: res.Stalls()}
	}
	if at := s.now.Add(wait); s.requeueAt.IsZero() || at.Before(s.requeueAt) {
		s.requeueAt = at
	}
}

// probeMemos keeps each platform's last probe until the next is due.
type probeMemos struct {
	mu    sync.Mutex
	memos map[types.UID]probeMemo
}

type probeMemo struct {
	key    string
	result store.ProbeResult
	until  time.Time
}

// probe runs the probe, or returns the last outcome for the same
// generation and Secrets while it is not due again; wait is how long until
// it is.
func (m *probeMemos) probe(ctx context.Context, p StoreProber, timing ProbeTiming, s *platformScope, cr store.Credentials, full bool, prev *metav1.Condition) (store.ProbeResult, time.Duration) {
	key := fmt.Sprintf("%d/%s", s.dp.Generation, cr.Versions)
	m.mu.Lock()
	memo, ok := m.memos[s.dp.UID]
	m.mu.Unlock()
	if ok && memo.key == key && s.now.Before(memo.until) {
		return memo.result, memo.until.Sub(s.now)
	}
	res := p.Probe(ctx, s.ext.store, cr, full)
	wait := timing.next(res.OK(), prev, s.now)
	m.mu.Lock()
	if m.memos == nil {
		m.memos = map[types.UID]probeMemo{}
	}
	m.memos[s.dp.UID] = probeMemo{key: key, result: res, until: s.now.Add(wait)}
	m.mu.Unlock()
	return res, wait
}

// forget drops a deleted platform's memo.
func (m *probeMemos) forget(uid types.UID) {
	m.mu.Lock()
	delete(m.memos, uid)
	m.mu.Unlock()
}

// secretsIndex is the field index of DataPlatforms by the Secrets their
// External store or a backup target names ("namespace/name"), so that a Secret's creation,
// change or deletion wakes exactly the platforms that name it.
const secretsIndex = "spec.objectStore.external.secrets"

func (r *DataPlatformReconciler) indexSecrets(o client.Object) []string {
	dp := o.(*scidatav1.DataPlatform)
	var out []string
	if !platform.Managed(dp) {
		for _, ref := range store.For(dp, r.Config.OperatorNamespace).Secrets() {
			out = append(out, ref.String())
		}
	}
	// And the backup target's, which the city's storage team makes there too.
	if t, ok := store.Target(dp, r.Config.OperatorNamespace); ok {
		for _, ref := range t.Secrets() {
			out = append(out, ref.String())
		}
	}
	return out
}

// platformsNamingSecret maps a Secret to the platforms that name it, and
// to the one whose label it carries.
func (r *DataPlatformReconciler) platformsNamingSecret(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := byPlatformLabel(ctx, o)
	var list scidatav1.DataPlatformList
	if err := r.List(ctx, &list, client.MatchingFields{secretsIndex: o.GetNamespace() + "/" + o.GetName()}); err != nil {
		return reqs
	}
	for _, p := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: p.Name}})
	}
	return reqs
}
