package controllers

import (
	"context"
	"crypto/rand"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// Options are what the reconcilers need from the manager's flags.
type Options struct {
	Platform   platform.Config
	DNSService types.NamespacedName
	Clock      clock.PassiveClock
	// OpenCenterStore overrides how the manager reaches the Center's store
	// (tests point it at a local S3 server); by default the in-cluster URL.
	OpenCenterStore func(context.Context, *scidatav1.DataPlatform) (centerstore.Store, error)
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
	if o.OpenCenterStore == nil {
		o.OpenCenterStore = OpenCenterStoreFromCluster(mgr.GetClient(), o.Platform.OperatorNamespace)
	}
	dp := &DataPlatformReconciler{
		Client:     mgr.GetClient(),
		APIReader:  mgr.GetAPIReader(),
		Recorder:   mgr.GetEventRecorder("dataplatform-controller"),
		Clock:      o.Clock,
		Config:     o.Platform,
		DNSService: o.DNSService,
		Rand:       rand.Reader,
	}
	for name, setup := range map[string]func(ctrl.Manager) error{
		"DataPlatform": dp.SetupWithManager,
		"CatalogEntry": (&CatalogEntryReconciler{
			Client: mgr.GetClient(), Clock: o.Clock,
			Recorder: mgr.GetEventRecorderFor("catalogentry-controller"), //nolint:staticcheck // the record API keeps core/v1 Events, which kubectl describe shows
		}).SetupWithManager,
		"SubmissionPolicy": (&SubmissionPolicyReconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("submissionpolicy-controller"), Clock: o.Clock, Workers: o.Workers}).SetupWithManager,
		"Submission":       (&SubmissionReconciler{Client: mgr.GetClient(), Clock: o.Clock, Config: o.Platform, OpenCenterStore: o.OpenCenterStore}).SetupWithManager,
	} {
		if err := setup(mgr); err != nil {
			return fmt.Errorf("set up the %s controller: %w", name, err)
		}
	}
	return nil
}
