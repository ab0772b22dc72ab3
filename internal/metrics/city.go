package metrics

import (
	"context"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Label values the gauges know in advance: each is exported, at zero if
// nothing is in that state, for every platform. Anything else a status
// could hold (a condition reason written by someone other than the
// operator) is counted as Other, so no label takes an unbounded value.
var (
	roles          = []string{string(scidatav1.RoleCenter), string(scidatav1.RoleDepartment)}
	platformTypes  = []string{scidatav1.ConditionReady, scidatav1.ConditionReconciling, scidatav1.ConditionStalled, scidatav1.ConditionStorageReady, scidatav1.ConditionPortalReady, scidatav1.ConditionNetworkIsolated, scidatav1.ConditionReconciliationPaused, scidatav1.ConditionHibernated}
	sharingModes   = []string{string(scidatav1.SharingOpen), string(scidatav1.SharingConditional), string(scidatav1.SharingClosed), unknown}
	duties         = []string{string(scidatav1.DutyMandatory), string(scidatav1.DutyEncouraged), string(scidatav1.DutyNone), unknown}
	states         = []string{string(scidatav1.SubmissionPending), string(scidatav1.SubmissionAwaitingReview), string(scidatav1.SubmissionReturned), string(scidatav1.SubmissionTransferring), string(scidatav1.SubmissionAwaitingAcceptance), string(scidatav1.SubmissionReceived), string(scidatav1.SubmissionDenied), string(scidatav1.SubmissionFailed), string(scidatav1.SubmissionWithdrawn), string(scidatav1.SubmissionReferred)}
	failureReasons = knownFailureReasons()
	pausedKinds    = []string{"DataPlatform", "SubmissionPolicy"}
)

const (
	unknown = "Unknown"
	other   = "Other"
)

// knownFailureReasons are the reasons a failed Submission's Stalled
// condition can carry: one per final exit code of the sync worker, and the
// Submission controller's own.
func knownFailureReasons() []string {
	seen := map[string]bool{scidatav1.ReasonCenterNotCleared: true, scidatav1.ReasonPlatformMissing: true, scidatav1.ReasonManifestMismatch: true, scidatav1.ReasonDenied: true,
		scidatav1.ReasonDataGateFailed: true, scidatav1.ReasonStatusRefused: true, other: true}
	for code := syncer.ExitTransient; code <= 64; code++ {
		seen[syncer.Reason(code)] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// The gauges: how many objects are in which state, computed at each scrape
// from the manager's informer cache, so that they are right from the first
// scrape after a restart and never drift from what the apiserver holds.
var (
	descPlatformCondition = prometheus.NewDesc("scidata_platform_condition",
		"1 when the DataPlatform's condition of this type is True, else 0 (absent conditions are 0).",
		[]string{"platform", "role", "department", "type"}, nil)
	descPlatforms = prometheus.NewDesc("scidata_platforms",
		"DataPlatforms by role and by the status (True, or False when False or absent) of each condition type.",
		[]string{"role", "type", "status"}, nil)
	descStorageRequested = prometheus.NewDesc("scidata_platform_storage_requested_bytes",
		"The object store size the DataPlatform's spec.storage.size asks for (Managed stores).",
		[]string{"platform"}, nil)
	descVolumeCapacity = prometheus.NewDesc("scidata_platform_volume_capacity_bytes",
		"Capacity of a platform's bound claim as its PersistentVolumeClaim status reports it. Join with the kubelet's kubelet_volume_stats_used_bytes on namespace and persistentvolumeclaim for what is used.",
		[]string{"platform", "namespace", "persistentvolumeclaim"}, nil)
	descEntries = prometheus.NewDesc("scidata_catalog_entries",
		"CatalogEntries by platform and effective sharing (Open, Conditional, Closed; Unknown before the first reconcile). platform is empty for an entry outside every platform's namespace.",
		[]string{"platform", "sharing"}, nil)
	descEntriesByDuty = prometheus.NewDesc("scidata_catalog_entries_by_duty",
		"CatalogEntries by platform and duty to submit (status.duty: Mandatory, Encouraged, None; Unknown before the first reconcile). platform is empty for an entry outside every platform's namespace.",
		[]string{"platform", "duty"}, nil)
	descSubmissions = prometheus.NewDesc("scidata_submissions",
		"Submissions by the department's platform and state: Pending, AwaitingReview, Transferring, Received, Denied, Failed.",
		[]string{"platform", "state"}, nil)
	descOverdue = prometheus.NewDesc("scidata_submissions_overdue",
		"Submissions past their deadline without a receipt, by the department's platform.",
		[]string{"platform"}, nil)
	descFailed = prometheus.NewDesc("scidata_submissions_failed",
		"Failed (Stalled) Submissions by the department's platform and the reason of their Stalled condition (the sync worker's reason for a failed transfer, see docs/sync.md).",
		[]string{"platform", "reason"}, nil)
	descReceipts = prometheus.NewDesc("scidata_receipts",
		"Submissions holding a signed receipt, by the department's platform.",
		[]string{"platform"}, nil)
	descKeySetKeys = prometheus.NewDesc("scidata_receipt_keyset_keys",
		"Public keys in the Center's published receipt key set (ConfigMap receipt-keys in scidata-center); 0 when it is missing or does not parse.",
		nil, nil)
	descUnverifiable = prometheus.NewDesc("scidata_receipts_unverifiable",
		"Receipts whose signing key is not in the published receipt key set (every receipt, when the set is missing or does not parse): auditors cannot verify them.",
		nil, nil)
	descPaused = prometheus.NewDesc("scidata_reconciliation_paused",
		"Objects whose spec.suspend holds their reconciliation, by kind.",
		[]string{"kind"}, nil)
)

// City is a prometheus.Collector of the city's state, read from the
// manager's cache at each scrape. It reports only once the manager is the
// elected leader (Elected), so that a standby replica, whose cache is as
// full, does not double every count.
type City struct {
	reader  client.Reader
	clock   clock.PassiveClock
	elected atomic.Bool
}

// NewCity returns a collector reading from reader (the manager's cache).
func NewCity(reader client.Reader, clk clock.PassiveClock) *City {
	return &City{reader: reader, clock: clk}
}

// Elected marks the manager as the leader: from now on the collector
// reports.
func (c *City) Elected() { c.elected.Store(true) }

// Describe sends every metric's description.
func (c *City) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPlatformCondition, descPlatforms, descStorageRequested, descVolumeCapacity, descEntries,
		descEntriesByDuty, descSubmissions, descOverdue, descFailed, descReceipts, descKeySetKeys, descUnverifiable, descPaused} {
		ch <- d
	}
}

// Collect lists the city from the cache and sends every gauge. A list that
// fails (the cache not synced yet) sends nothing rather than wrong zeros.
func (c *City) Collect(ch chan<- prometheus.Metric) {
	if !c.elected.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.read(ctx)
	if err != nil {
		log.FromContext(ctx).WithName("metrics").Error(err, "read the city from the cache")
		return
	}
	s.collect(ch, c.clock.Now())
}

// snapshot is one read of the city from the cache.
type snapshot struct {
	platforms []scidatav1.DataPlatform
	entries   []scidatav1.CatalogEntry
	subs      []scidatav1.Submission
	policies  []scidatav1.SubmissionPolicy
	claims    []corev1.PersistentVolumeClaim
	keySet    *corev1.ConfigMap
}

func (c *City) read(ctx context.Context) (*snapshot, error) {
	// The objects are only read here: no deep copy of the cache's.
	opt := client.UnsafeDisableDeepCopy
	var (
		dps  scidatav1.DataPlatformList
		ces  scidatav1.CatalogEntryList
		subs scidatav1.SubmissionList
		sps  scidatav1.SubmissionPolicyList
		pvcs corev1.PersistentVolumeClaimList
	)
	for _, l := range []client.ObjectList{&dps, &ces, &subs, &sps} {
		if err := c.reader.List(ctx, l, opt); err != nil {
			return nil, err
		}
	}
	if err := c.reader.List(ctx, &pvcs, opt, client.HasLabels{scidatav1.LabelPlatform}); err != nil {
		return nil, err
	}
	s := &snapshot{platforms: dps.Items, entries: ces.Items, subs: subs.Items, policies: sps.Items, claims: pvcs.Items}
	var cm corev1.ConfigMap
	err := c.reader.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &cm)
	switch {
	case err == nil:
		s.keySet = &cm
	case client.IgnoreNotFound(err) != nil:
		return nil, err
	}
	return s, nil
}

func (s *snapshot) collect(ch chan<- prometheus.Metric, now time.Time) {
	known := map[string]bool{}
	for i := range s.platforms {
		known[s.platforms[i].Name] = true
	}
	platformOf := func(namespace string) string {
		if name, ok := strings.CutPrefix(namespace, scidatav1.NamespacePrefix); ok && known[name] {
			return name
		}
		return ""
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	s.collectPlatforms(gauge)
	counts := newCounter()
	for name := range known {
		counts.zeroPlatform(name)
	}
	for i := range s.entries {
		e := &s.entries[i]
		counts.add(descEntries, platformOf(e.Namespace), oneOf(string(e.Status.EffectiveSharing), sharingModes, unknown))
		duty := ""
		if e.Status.Duty != nil {
			duty = string(e.Status.Duty.Level)
		}
		counts.add(descEntriesByDuty, platformOf(e.Namespace), oneOf(duty, duties, unknown))
	}
	keys, setOK := s.publishedKeys()
	unverifiable := 0
	for i := range s.subs {
		sub := &s.subs[i]
		p := platformOf(sub.Namespace)
		st := submission.State(sub)
		counts.add(descSubmissions, p, string(st))
		if st == scidatav1.SubmissionFailed {
			reason := ""
			if c := meta.FindStatusCondition(sub.Status.Conditions, scidatav1.ConditionStalled); c != nil {
				reason = c.Reason
			}
			counts.add(descFailed, p, oneOf(reason, failureReasons, other))
		}
		if submission.Overdue(sub, now) {
			counts.add(descOverdue, p)
		}
		if sub.Status.Receipt != nil {
			counts.add(descReceipts, p)
			if !setOK || !keys[sub.Status.Receipt.KeyID] {
				unverifiable++
			}
		}
	}
	counts.send(gauge)
	gauge(descKeySetKeys, float64(len(keys)))
	gauge(descUnverifiable, float64(unverifiable))
	s.collectPaused(gauge)
}

// collectPaused sends how many objects of each kind spec.suspend holds.
func (s *snapshot) collectPaused(gauge func(*prometheus.Desc, float64, ...string)) {
	paused := map[string]int{}
	for i := range s.platforms {
		if s.platforms[i].Spec.Suspend {
			paused["DataPlatform"]++
		}
	}
	for i := range s.policies {
		if s.policies[i].Spec.Suspend {
			paused["SubmissionPolicy"]++
		}
	}
	for _, k := range pausedKinds {
		gauge(descPaused, float64(paused[k]), k)
	}
}

// collectPlatforms sends each platform's conditions, the counts by role
// and condition, and the storage asked for and bound.
func (s *snapshot) collectPlatforms(gauge func(*prometheus.Desc, float64, ...string)) {
	byRole := map[[3]string]int{}
	for i := range s.platforms {
		dp := &s.platforms[i]
		for _, typ := range platformTypes {
			v, status := 0.0, string(metav1.ConditionFalse)
			if meta.IsStatusConditionTrue(dp.Status.Conditions, typ) {
				v, status = 1, string(metav1.ConditionTrue)
			}
			gauge(descPlatformCondition, v, dp.Name, string(dp.Spec.Role), dp.Spec.Department.Code, typ)
			byRole[[3]string{string(dp.Spec.Role), typ, status}]++
		}
		if platform.Managed(dp) {
			gauge(descStorageRequested, dp.Spec.Storage.Size.AsApproximateFloat64(), dp.Name)
		}
	}
	for _, role := range roles {
		for _, typ := range platformTypes {
			for _, status := range []string{string(metav1.ConditionTrue), string(metav1.ConditionFalse)} {
				gauge(descPlatforms, float64(byRole[[3]string{role, typ, status}]), role, typ, status)
			}
		}
	}
	for i := range s.claims {
		pvc := &s.claims[i]
		q, ok := pvc.Status.Capacity[corev1.ResourceStorage]
		if pvc.Status.Phase != corev1.ClaimBound || !ok {
			continue
		}
		gauge(descVolumeCapacity, q.AsApproximateFloat64(), pvc.Labels[scidatav1.LabelPlatform], pvc.Namespace, pvc.Name)
	}
}

// publishedKeys are the key IDs of the published key set, and whether the
// set exists and parses.
func (s *snapshot) publishedKeys() (map[string]bool, bool) {
	keys := map[string]bool{}
	if s.keySet == nil {
		return keys, false
	}
	set, err := receipt.ParseKeySet([]byte(s.keySet.Data[receipt.KeySetField]))
	if err != nil {
		return keys, false
	}
	for _, k := range set.Keys {
		keys[k.KeyID] = true
	}
	return keys, true
}

// counter adds up gauge values by description and labels, keeping the
// order in which series were first seen.
type counter struct {
	order  []series
	values map[series]float64
}

type series struct {
	desc   *prometheus.Desc
	labels string
}

func newCounter() *counter { return &counter{values: map[series]float64{}} }

func (c *counter) key(d *prometheus.Desc, labels []string) series {
	k := series{d, strings.Join(labels, "\x00")}
	if _, ok := c.values[k]; !ok {
		c.values[k] = 0
		c.order = append(c.order, k)
	}
	return k
}

func (c *counter) zero(d *prometheus.Desc, labels ...string) { c.key(d, labels) }

// zeroPlatform starts each of a platform's series at 0, so a platform with
// nothing to count in a series still reports it, as 0.
func (c *counter) zeroPlatform(name string) {
	for _, m := range sharingModes {
		c.zero(descEntries, name, m)
	}
	for _, d := range duties {
		c.zero(descEntriesByDuty, name, d)
	}
	for _, st := range states {
		c.zero(descSubmissions, name, st)
	}
	for _, r := range failureReasons {
		c.zero(descFailed, name, r)
	}
	c.zero(descOverdue, name)
	c.zero(descReceipts, name)
}

func (c *counter) add(d *prometheus.Desc, labels ...string) { c.values[c.key(d, labels)]++ }

func (c *counter) send(gauge func(*prometheus.Desc, float64, ...string)) {
	for _, k := range c.order {
		gauge(k.desc, c.values[k], strings.Split(k.labels, "\x00")...)
	}
}

// oneOf is v when it is one of allowed, else fallback (an empty v is
// fallback too).
func oneOf(v string, allowed []string, fallback string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return fallback
}
