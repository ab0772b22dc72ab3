package controllers

import (
	"context"
	"crypto/rand"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/metrics"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// Options are what the reconcilers need from the manager's flags.
type Options struct {
	Platform   platform.Config
	DNSService types.NamespacedName
	Clock      clock.PassiveClock
	// StoreDialer, if set, opens the manager's connections to object
	// stores (the Center's, and External stores for their probe): envtest
	// points a Managed store's in-cluster name at a local server with it.
	// Nil in production.
	StoreDialer store.Dialer
	// StoreProber, if set, probes External stores instead of
	// store.Prober{Dial: StoreDialer} (tests wrap its transport to count
	// the requests); ProbeTiming, if set, replaces DefaultProbeTiming.
	StoreProber StoreProber
	ProbeTiming ProbeTiming
	// Workers is how many writes one pass may have in flight where a pass
	// writes many objects (a city-wide policy's Submissions); the manager
	// sets it to --max-concurrent-reconciles. 1 when unset.
	Workers int
}

// SetupAll registers every reconciler with the manager.
func SetupAll(mgr ctrl.Manager, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.StoreProber == nil {
		o.StoreProber = store.Prober{Dial: o.StoreDialer}
	}
	if err := setupMetrics(mgr, o.Clock); err != nil {
		return err
	}
	dp := &DataPlatformReconciler{
		Prober:      o.StoreProber,
		ProbeTiming: o.ProbeTiming,
		Client:      mgr.GetClient(),
		APIReader:   mgr.GetAPIReader(),
		Recorder:    mgr.GetEventRecorder("dataplatform-controller"),
		Clock:       o.Clock,
		Config:      o.Platform,
		DNSService:  o.DNSService,
		Rand:        rand.Reader,
		StoreDialer: o.StoreDialer,
	}
	sub := &SubmissionReconciler{Client: mgr.GetClient(), Clock: o.Clock, Config: o.Platform, OpenCenterStore: OpenCenterStoreFromCluster(mgr.GetClient(), o.Platform.OperatorNamespace, o.StoreDialer),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("submission-controller")}
	for name, setup := range map[string]func(ctrl.Manager) error{
		"DataPlatform": dp.SetupWithManager,
		"CatalogEntry": (&CatalogEntryReconciler{
			Client: mgr.GetClient(), Clock: o.Clock,
			Recorder: mgr.GetEventRecorderFor("catalogentry-controller"), //nolint:staticcheck // the record API keeps core/v1 Events, which kubectl describe shows
		}).SetupWithManager,
		"SubmissionPolicy": (&SubmissionPolicyReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("submissionpolicy-controller"), Clock: o.Clock, Workers: o.Workers}).SetupWithManager,
		"Submission":       sub.SetupWithManager,
		"Project": (&ProjectReconciler{Client: mgr.GetClient(), Clock: o.Clock, SigningKey: sub.signingKey,
			Recorder: mgr.GetEventRecorder("project-controller")}).SetupWithManager,
		"AccessRequest": (&AccessRequestReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clock: o.Clock, Config: o.Platform, Rand: rand.Reader,
			Recorder: mgr.GetEventRecorder("accessrequest-controller")}).SetupWithManager,
	} {
		if err := setup(mgr); err != nil {
			return fmt.Errorf("set up the %s controller: %w", name, err)
		}
	}
	return nil
}

// setupMetrics registers the operator's metrics with the registry the
// manager serves: the counters, and the collector of the city's state read
// from the manager's cache. Once elected, the manager starts every known
// platform's counters at zero and lets the collector report.
func setupMetrics(mgr ctrl.Manager, clk clock.PassiveClock) error {
	metrics.Register()
	city := metrics.NewCity(mgr.GetCache(), clk)
	if err := ctrlmetrics.Registry.Register(city); err != nil {
		return fmt.Errorf("register the city's metrics: %w", err)
	}
	// A RunnableFunc needs leader election: it runs on the leader only.
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return nil
		}
		var list scidatav1.DataPlatformList
		if err := mgr.GetCache().List(ctx, &list); err != nil {
			return fmt.Errorf("list platforms for their metrics: %w", err)
		}
		for _, p := range list.Items {
			metrics.KnowPlatform(p.Name)
		}
		city.Elected()
		return nil
	}))
}
