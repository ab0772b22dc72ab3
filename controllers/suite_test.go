package controllers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The suite runs the manager, as main.go builds it, against a real
// kube-apiserver (envtest). envtest runs no kube-controller-manager: no
// StatefulSet, Deployment, garbage-collector or namespace controller, so
// the tests set workload status themselves, as those controllers would.

var (
	env *testenv.Env
	// managerCache is the manager's cache, which the cache test lists.
	managerCache cache.Cache
	// writes counts the manager's writes (POST, PUT, PATCH, DELETE) to the
	// apiserver, to prove that a steady-state reconcile writes nothing.
	writes atomic.Int64
	// managerClock is the manager's clock: the real one, moved by the
	// tests of time-based rules (jumpTo) and back at their end.
	managerClock = &offsetClock{}
	// metricsURL is the manager's /metrics endpoint.
	metricsURL string
)

// offsetClock is the real clock plus an offset a test sets.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time                  { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// jumpTo moves the manager's clock so that it reads at now, and back at
// the test's end.
func jumpTo(t *testing.T, at time.Time) {
	t.Helper()
	managerClock.offset.Store(int64(time.Until(at)))
	t.Cleanup(func() { managerClock.offset.Store(0) })
}

const operatorNamespace = "scidata-system"

var dnsService = types.NamespacedName{Namespace: "kube-system", Name: "kube-dns"}

func TestMain(m *testing.M) {
	e, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, cancel := context.WithCancel(context.Background())
	if err := startManager(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cancel()
	_ = e.Stop()
	os.Exit(code)
}

// managerUser is the identity config/default runs the manager as.
const managerUser = "system:serviceaccount:" + operatorNamespace + ":scidata-operator-manager"

// actAsManager gives the manager's ServiceAccount the ClusterRole that
// `make manifests` generates from the RBAC markers (config/rbac/role.yaml)
// and returns a config that impersonates it: every reconcile in this suite
// runs with exactly the permissions the installed operator has, so a
// missing marker, or an order of writes that RBAC refuses to a non-admin
// (a RoleBinding to a Role that does not exist yet), fails here as it
// would on a real cluster.
func actAsManager(ctx context.Context, cfg *rest.Config) (*rest.Config, error) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		return nil, err
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		return nil, fmt.Errorf("config/rbac/role.yaml: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "scidata-operator-manager", Namespace: operatorNamespace}},
	}
	for _, o := range []client.Object{&role, binding} {
		if err := env.Client.Create(ctx, o); err != nil {
			return nil, fmt.Errorf("create %s: %w", o.GetName(), err)
		}
	}
	out := rest.CopyConfig(cfg)
	out.Impersonate = rest.ImpersonationConfig{
		UserName: managerUser,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace, "system:authenticated"},
	}
	return out, nil
}

func startManager(ctx context.Context) error {
	cfg, err := actAsManager(ctx, env.Config)
	if err != nil {
		return err
	}
	// As the real binary's: the apiserver names the field manager of the
	// manager's creates after it.
	cfg.UserAgent = "scidata-operator/test"
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			switch req.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				// Events are sent by the recorder's own goroutine, late and
				// batched; the steady-state test checks them separately.
				if !strings.Contains(req.URL.Path, "/events") {
					writes.Add(1)
				}
			}
			return rt.RoundTrip(req)
		})
	})
	// The manager serves /metrics as in production, on a free port of
	// loopback; the metrics tests scrape it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return err
	}
	metricsURL = "http://" + addr + "/metrics"
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme.New(),
		Cache:   scheme.CacheOptions(dnsService, operatorNamespace),
		Metrics: metricsserver.Options{BindAddress: addr},
	})
	if err != nil {
		return err
	}
	managerCache = mgr.GetCache()
	err = SetupAll(mgr, Options{
		Platform: platform.Config{
			OperatorNamespace: operatorNamespace,
			ObjectStoreImage:  "scidata-objectstore:test",
			OperatorImage:     "scidata-operator:test",
			ImagePullPolicy:   "IfNotPresent",
		},
		DNSService:  dnsService,
		Clock:       managerClock,
		StoreDialer: storetest.Dial,
		// Probes again within a second, so that a test sees a fault and
		// its mending without waiting minutes.
		ProbeTiming: ProbeTiming{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, ReadyInterval: time.Second},
	})
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// eventually polls check until it returns nil, for at most 30 seconds.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

// discardRecorder drops events, for reconcilers a test runs by hand.
type discardRecorder struct{}

func (discardRecorder) Eventf(runtime.Object, runtime.Object, string, string, string, string, ...interface{}) {
}
