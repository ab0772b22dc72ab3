package catalogentry

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// t0 is second-precise, as the apiserver stores times.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newEntry(ns, name string) *scidatav1.CatalogEntry {
	return &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title: "Hourly rainfall " + name, Description: "Hourly rainfall at the city's stations.", Subject: "Hydrology",
			DataTypes:             []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: "water-resources", Name: "Water Resources Bureau"},
			ProvidingDepartment:   scidatav1.Provider{Name: "Hydrology Survey Bureau"},
			Data:                  scidatav1.DataLocation{Prefix: "hydrology/rainfall/", ContentVersion: "2024.06"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessDownload, URL: "https://data.example.org/rainfall"},
		},
	}
}

// harness drives one reconciler by hand, with a fake clock, a counting
// client and a recorder whose events the test reads.
type harness struct {
	t      *testing.T
	clock  *clocktesting.FakeClock
	client *testenv.CountingClient
	events *record.FakeRecorder
	r      *controllers.CatalogEntryReconciler
	key    types.NamespacedName
}

func newHarness(t *testing.T, e *scidatav1.CatalogEntry) *harness {
	t.Helper()
	ensureNamespace(t, e.Namespace)
	if err := env.Client.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), e) })
	h := &harness{t: t, clock: clocktesting.NewFakeClock(t0), client: testenv.NewCountingClient(env.Client),
		events: record.NewFakeRecorder(100), key: client.ObjectKeyFromObject(e)}
	h.r = &controllers.CatalogEntryReconciler{Client: h.client, Clock: h.clock, Recorder: h.events}
	return h
}

// pass reconciles once and returns the result, the writes it issued and the entry after it.
func (h *harness) pass() (ctrl.Result, int64, *scidatav1.CatalogEntry) {
	h.t.Helper()
	before := h.client.Writes()
	res, err := h.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: h.key})
	if err != nil {
		h.t.Fatalf("reconcile: %v", err)
	}
	var e scidatav1.CatalogEntry
	if err := env.Client.Get(context.Background(), h.key, &e); err != nil {
		h.t.Fatal(err)
	}
	return res, h.client.Writes() - before, &e
}

func (h *harness) drainEvents() []string {
	var out []string
	for {
		select {
		case ev := <-h.events.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

func condition(e *scidatav1.CatalogEntry, t string) string {
	c := meta.FindStatusCondition(e.Status.Conditions, t)
	if c == nil {
		return "absent"
	}
	return string(c.Status) + "/" + c.Reason
}

func TestASecondPassWithNothingChangedWritesNothing(t *testing.T) {
	h := newHarness(t, newEntry("scidata-water-resources", "steady"))
	_, writes, e := h.pass()
	if writes != 2 {
		t.Fatalf("first pass issued %d writes; want exactly two: the duty label and one status patch", writes)
	}
	if e.Status.ObservedGeneration != e.Generation || condition(e, scidatav1.ConditionReady) != "True/Reconciled" ||
		condition(e, scidatav1.ConditionPublished) != "True/Listed" || e.Status.EffectiveSharing != scidatav1.SharingOpen || e.Status.Completeness == nil {
		t.Fatalf("status after the first pass: %+v", e.Status)
	}
	h.drainEvents()
	h.clock.Step(time.Hour)
	res, writes, _ := h.pass()
	if writes != 0 {
		t.Errorf("second pass issued %d writes; want none", writes)
	}
	if ev := h.drainEvents(); len(ev) != 0 {
		t.Errorf("second pass emitted events %v; want none", ev)
	}
	if res.RequeueAfter != 0 {
		t.Errorf("an entry with nothing time-based requeues after %s; want no requeue", res.RequeueAfter)
	}
}

func TestEmbargoOpensTheEntryAtExactlyItsDate(t *testing.T) {
	until := t0.Add(30 * 24 * time.Hour)
	e := newEntry("scidata-water-resources", "embargoed")
	e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(until), Reason: scidatav1.EmbargoPaper}
	h := newHarness(t, e)

	res, _, got := h.pass()
	if got.Status.EffectiveSharing != scidatav1.SharingClosed || !strings.Contains(got.Status.SharingReason, "embargoed until") ||
		got.Status.NextChangeAt == nil || !got.Status.NextChangeAt.Time.Equal(until) || condition(got, scidatav1.ConditionEmbargoPassed) != "False/EmbargoInForce" {
		t.Fatalf("during the embargo: %+v", got.Status)
	}
	if res.RequeueAfter != until.Sub(t0) {
		t.Fatalf("RequeueAfter = %s; want exactly %s, the embargo's end", res.RequeueAfter, until.Sub(t0))
	}
	h.drainEvents()

	h.clock.SetTime(until.Add(-time.Second))
	if res, writes, got := h.pass(); got.Status.EffectiveSharing != scidatav1.SharingClosed || writes != 0 || res.RequeueAfter != time.Second {
		t.Fatalf("one second before the date: sharing %s, %d writes, requeue %s; want Closed, none, 1s", got.Status.EffectiveSharing, writes, res.RequeueAfter)
	}

	h.clock.SetTime(until)
	res, writes, got := h.pass()
	if got.Status.EffectiveSharing != scidatav1.SharingOpen || condition(got, scidatav1.ConditionEmbargoPassed) != "True/EmbargoDatePassed" ||
		got.Status.NextChangeAt != nil || writes != 1 || res.RequeueAfter != 0 {
		t.Fatalf("at the date: %+v, %d writes, requeue %s", got.Status, writes, res.RequeueAfter)
	}
	if ev := strings.Join(h.drainEvents(), "\n"); !strings.Contains(ev, "SharingChanged effective sharing is now Open") || !strings.Contains(ev, "EmbargoDatePassed") {
		t.Errorf("events at the date:\n%s", ev)
	}
}

func TestSecrecyReviewFallsDueAtTheEndOfTheSecrecyPeriodWithoutOpeningTheData(t *testing.T) {
	end := t0.Add(365 * 24 * time.Hour)
	e := newEntry("scidata-water-resources", "classified")
	e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationConfidential, SecrecyPeriodEnd: &metav1.Time{Time: end}}
	h := newHarness(t, e)

	res, _, got := h.pass()
	if condition(got, scidatav1.ConditionSecrecyReviewDue) != "False/WithinSecrecyPeriod" || condition(got, scidatav1.ConditionPublished) != "False/Classified" ||
		res.RequeueAfter != end.Sub(t0) {
		t.Fatalf("within the period: %+v, requeue %s", got.Status, res.RequeueAfter)
	}
	h.drainEvents()
	h.clock.SetTime(end)
	res, _, got = h.pass()
	if condition(got, scidatav1.ConditionSecrecyReviewDue) != "True/SecrecyPeriodEnded" || got.Status.EffectiveSharing != scidatav1.SharingClosed ||
		condition(got, scidatav1.ConditionPublished) != "False/Classified" || res.RequeueAfter != 0 {
		t.Fatalf("at the end of the period: %+v, requeue %s", got.Status, res.RequeueAfter)
	}
	if ev := strings.Join(h.drainEvents(), "\n"); !strings.Contains(ev, "Warning SecrecyPeriodEnded") {
		t.Errorf("no warning event when the review fell due:\n%s", ev)
	}
}

// The manager wiring: the controller registered by SetupAll reconciles new
// entries by itself, and an entry outside a platform namespace is Stalled
// with a message that says what to do.
func TestTheManagerReconcilesEntriesAndStallsOnesOutsideAPlatformNamespace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme.New(), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := controllers.SetupAll(mgr, controllers.Options{Clock: clocktesting.NewFakeClock(t0), Platform: platform.Config{OperatorNamespace: "scidata-system"}, DNSService: types.NamespacedName{Namespace: "kube-system", Name: "kube-dns"}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	good, stray := newEntry("scidata-water-resources", "managed"), newEntry("scratch", "stray")
	for _, e := range []*scidatav1.CatalogEntry{good, stray} {
		ensureNamespace(t, e.Namespace)
		if err := env.Client.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), e) })
	}
	for e, want := range map[*scidatav1.CatalogEntry][2]string{
		good:  {"True/Reconciled", "absent"},
		stray: {"False/NotInPlatformNamespace", "True/NotInPlatformNamespace"},
	} {
		testenv.Eventually(t, 20*time.Second, func() error {
			var got scidatav1.CatalogEntry
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(e), &got); err != nil {
				return err
			}
			ready, stalled := condition(&got, scidatav1.ConditionReady), condition(&got, scidatav1.ConditionStalled)
			if ready != want[0] || stalled != want[1] || got.Status.ObservedGeneration != got.Generation {
				return fmt.Errorf("%s: Ready %s, Stalled %s, observedGeneration %d; want %s, %s, %d",
					e.Name, ready, stalled, got.Status.ObservedGeneration, want[0], want[1], got.Generation)
			}
			return nil
		})
	}
}
