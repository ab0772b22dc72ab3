package cmd

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/platform"
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
}

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
	dns, err := parseNamespacedName(o.dnsService)
	if err != nil {
		return fmt.Errorf("--dns-service: %w", err)
	}
	o.platform.ImagePullPolicy = corev1.PullPolicy(o.pullPolicy)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme.New(),
		Cache:                   scheme.CacheOptions(dns, o.platform.OperatorNamespace),
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
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
	if err := controllers.SetupAll(mgr, controllers.Options{Platform: o.platform, DNSService: dns}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	log.Info("starting manager")
	return mgr.Start(ctrl.SetupSignalHandler())
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
