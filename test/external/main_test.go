// Package external proves External object stores on a real kube-apiserver
// and two real S3 engines: a platform is Ready only once the operator's
// probe proved its accounts on the city's store (SeaweedFS, and versitygw
// playing the city's store), each fault a person can make yields its own
// reason and clears when mended, a ready store costs the apiserver no
// write, and a city whose Center and departments sit on Managed and
// External stores alike submits with receipts that verify offline. The
// manager runs as the installed operator does: as its ServiceAccount, with
// its generated RBAC and its cache options. A Managed store, which envtest
// cannot run as a pod, is served as its pod would serve it
// (internal/storetest).
package external

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

const operatorNamespace = "scidata-system"

var (
	env *testenv.Env
	// writes counts the manager's writes to the apiserver (POST, PUT,
	// PATCH, DELETE; events aside, which a recorder sends late).
	writes atomic.Int64
	// probes counts the requests the manager's probe sends to each store.
	probes s3test.CountingTransport
)

// cityOptions is the shared SeaweedFS that plays the city's existing store:
// the Upload and ReadOnly accounts are granted every bucket named city-*.
var cityOptions = s3test.Options{Engine: s3test.SeaweedFS, Bucket: "city-*"}

func TestMain(m *testing.M) {
	// SeaweedFS takes seconds to start: it starts while the control plane
	// does.
	s3test.Warm("city", cityOptions)
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
	s3test.StopShared()
	_ = e.Stop()
	os.Exit(code)
}

func startManager(ctx context.Context) error {
	if err := clusterFixture(ctx); err != nil {
		return err
	}
	cfg, err := env.ManagerConfig(ctx)
	if err != nil {
		return err
	}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			switch req.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				if !strings.Contains(req.URL.Path, "/events") {
					writes.Add(1)
				}
			}
			return rt.RoundTrip(req)
		})
	})
	dns := types.NamespacedName{Namespace: "kube-system", Name: "kube-dns"}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme.New(), Cache: scheme.CacheOptions(dns, operatorNamespace), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return err
	}
	err = controllers.SetupAll(mgr, controllers.Options{
		Platform:    platform.Config{OperatorNamespace: operatorNamespace, ObjectStoreImage: "scidata-objectstore:test", OperatorImage: "scidata-operator:test", ImagePullPolicy: corev1.PullIfNotPresent},
		DNSService:  dns,
		StoreDialer: storetest.Dial,
		StoreProber: store.Prober{Dial: storetest.Dial, Transport: probes.Wrap},
		// Probes again within a second, so that a fault and its mending
		// show without waiting minutes.
		ProbeTiming: controllers.ProbeTiming{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, ReadyInterval: time.Second},
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

// clusterFixture makes what a real cluster shows and envtest lacks: the
// operator's namespace, and the DNS and apiserver endpoints the platforms'
// network rules name.
func clusterFixture(ctx context.Context) error {
	for _, ns := range []string{operatorNamespace, "kube-system"} {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); client.IgnoreAlreadyExists(err) != nil {
			return err
		}
	}
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	for _, o := range []client.Object{
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: udp}}}},
		&discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "kube-dns-host", Namespace: "kube-system", Labels: map[string]string{discoveryv1.LabelServiceName: "kube-dns"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}}},
			Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("dns"), Port: ptr.To[int32](53), Protocol: &udp}}},
		&discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.1"}}},
			Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To[int32](6443), Protocol: &tcp}}},
	} {
		if err := env.Client.Create(ctx, o); client.IgnoreAlreadyExists(err) != nil {
			return err
		}
	}
	return nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
