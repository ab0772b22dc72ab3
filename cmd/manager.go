package cmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/scheme"
)

type managerOptions struct {
	metricsAddr    string
	probeAddr      string
	leaderElection bool
	leaderElectNS  string
	dnsService     string
	platform       platform.Config
	pullPolicy     string
	zap            zap.Options

	// Throughput at scale (docs/scale.md).
	concurrency        int
	concurrencyPerKind map[string]int
	qps                float32
	burst              int
	syncPeriod         time.Duration
	requeueJitter      time.Duration
	pprofAddr          string
}

// reconciledKinds are the kinds the manager's controllers reconcile, by the
// names --max-concurrent-reconciles-per-kind takes.
var reconciledKinds = []string{"DataPlatform", "CatalogEntry", "SubmissionPolicy", "Submission", "Project"}

func newManagerCommand() *cobra.Command {
	o := managerOptions{zap: zap.Options{Development: false}}
	c := &cobra.Command{
		Use:   "manager",
		Short: "Run the controllers (the default command)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runManager(o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address the Prometheus metrics endpoint binds to; 0 disables it")
	f.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address the /healthz and /readyz probes bind to")
	f.BoolVar(&o.leaderElection, "leader-elect", false, "elect a leader, so that several replicas can run and only one reconciles")
	f.StringVar(&o.leaderElectNS, "leader-election-namespace", "", "namespace of the leader election Lease; the pod's own namespace when empty")
	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	f.StringVar(&o.dnsService, "dns-service", "kube-system/kube-dns", "namespace/name of the cluster DNS Service, whose endpoints the platforms' DNS egress rules name")
	f.StringVar(&o.platform.OperatorNamespace, "operator-namespace", envOr("POD_NAMESPACE", "scidata-system"), "namespace the manager runs in (holds the CA)")
	f.StringVar(&o.platform.ObjectStoreImage, "object-store-image", "scidata-objectstore:dev", "image of the managed S3 server")
	f.StringVar(&o.platform.OperatorImage, "operator-image", "scidata-operator:dev", "the operator's own image, run as the portal, the sync Jobs and the store's init and bootstrap containers")
	f.StringVar(&o.pullPolicy, "image-pull-policy", string(corev1.PullIfNotPresent), "pull policy of the images the operator runs")
	f.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "reconcile workers of each controller: objects of one kind reconciled at once")
	f.StringToIntVar(&o.concurrencyPerKind, "max-concurrent-reconciles-per-kind", nil, "workers of one controller, overriding --max-concurrent-reconciles, by the kind it reconciles: "+strings.Join(reconciledKinds, ", ")+" (for example CatalogEntry=8,Submission=2)")
	f.Float32Var(&o.qps, "kube-api-qps", -1, "client-side limit of the manager's requests to the apiserver per second; negative: none, the apiserver's priority and fairness governs (controller-runtime's default)")
	f.IntVar(&o.burst, "kube-api-burst", 0, "burst above --kube-api-qps, when that is set; 0: client-go's default")
	f.DurationVar(&o.syncPeriod, "sync-period", 10*time.Hour, "how often every cached object is reconciled again without an event (controller-runtime's default; each informer jitters it by up to 10%)")
	f.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "address of Go's /debug/pprof endpoints, to profile the manager at scale; 0 disables them")
	f.DurationVar(&o.requeueJitter, "requeue-jitter", 5*time.Second, "a reconcile asked for at a moment (an embargo's end, a certificate's renewal, a deadline) comes up to this much later (at most a tenth of the wait), at random per object, so that objects sharing a moment are not all reconciled at once; 0: exactly at the moment")
	o.zap.BindFlags(zapFlags)
	f.AddGoFlagSet(zapFlags)
	return c
}

func runManager(o managerOptions) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("setup")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("find the cluster: %w", err)
	}
	ctx := ctrl.SetupSignalHandler()
	dns, err := parseNamespacedName(o.dnsService)
	if err != nil {
		return fmt.Errorf("--dns-service: %w", err)
	}
	o.platform.ImagePullPolicy = corev1.PullPolicy(o.pullPolicy)
	ctrlConfig, err := controllerConfig(o)
	if err != nil {
		return err
	}
	if o.qps >= 0 {
		cfg.QPS, cfg.Burst = o.qps, o.burst
	}
	reconcilekit.SetRequeueJitter(o.requeueJitter)
	if err := waitForAPIServer(ctx, cfg, log); err != nil {
		return err
	}
	cacheOpts := scheme.CacheOptions(dns, o.platform.OperatorNamespace)
	cacheOpts.SyncPeriod = &o.syncPeriod
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Cache:                   cacheOpts,
		Controller:              ctrlConfig,
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElection,
		LeaderElectionID:        "scidata-operator.scidata.io",
		LeaderElectionNamespace: o.leaderElectNS,
		// The new leader waits for the old lease to lapse rather than racing
		// it: a receipt must never be signed twice.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("create the manager: %w", err)
	}
	if err := controllers.SetupAll(mgr, controllers.Options{Platform: o.platform, DNSService: dns, Workers: policyWorkers(o)}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	log.Info("starting manager")
	return mgr.Start(ctx)
}

// waitForAPIServer returns once the apiserver answers, trying again with
// a backoff of one to sixteen seconds. Creating the manager needs the
// apiserver's discovery; a manager restarted while the apiserver is away
// (it gives its leadership up after ten seconds without renewing its
// Lease) would otherwise exit at once, and again, into the kubelet's
// crash-loop backoff, and come back long after the apiserver did.
func waitForAPIServer(ctx context.Context, cfg *rest.Config, log logr.Logger) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	delay := time.Second
	for {
		_, err := dc.ServerVersion()
		if err == nil {
			return nil
		}
		log.Info("waiting for the apiserver", "error", err.Error(), "retryIn", delay.String())
		select {
		case <-ctx.Done():
			return fmt.Errorf("the apiserver did not answer before the manager was stopped: %w", err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 16*time.Second)
	}
}

// controllerConfig turns the concurrency flags into the manager's defaults
// for every controller: one worker count for all, and per kind where set.
func controllerConfig(o managerOptions) (config.Controller, error) {
	if o.concurrency < 1 {
		return config.Controller{}, fmt.Errorf("--max-concurrent-reconciles=%d: want at least 1", o.concurrency)
	}
	perKind := map[string]int{}
	for kind, n := range o.concurrencyPerKind {
		if !slices.Contains(reconciledKinds, kind) {
			return config.Controller{}, fmt.Errorf("--max-concurrent-reconciles-per-kind: %q is not a kind the manager reconciles (%s)", kind, strings.Join(reconciledKinds, ", "))
		}
		if n < 1 {
			return config.Controller{}, fmt.Errorf("--max-concurrent-reconciles-per-kind: %s=%d: want at least 1", kind, n)
		}
		perKind[kind+"."+scidatav1.GroupVersion.Group] = n
	}
	return config.Controller{MaxConcurrentReconciles: o.concurrency, GroupKindConcurrency: perKind}, nil
}

// policyWorkers is how many Submissions one policy's pass creates at once:
// the SubmissionPolicy controller's worker count.
func policyWorkers(o managerOptions) int {
	if n, ok := o.concurrencyPerKind["SubmissionPolicy"]; ok {
		return n
	}
	return o.concurrency
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseNamespacedName(s string) (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return types.NamespacedName{}, fmt.Errorf("want namespace/name, got %q", s)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}
