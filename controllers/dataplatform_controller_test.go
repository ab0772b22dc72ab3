package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/apply"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

var testConfig = platform.Config{
	OperatorNamespace: operatorNamespace,
	ObjectStoreImage:  "scidata-objectstore:test",
	OperatorImage:     "scidata-operator:test",
	ImagePullPolicy:   "IfNotPresent",
}

func newPlatform(name string, role scidatav1.PlatformRole, code string) *scidatav1.DataPlatform {
	return &scidatav1.DataPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: scidatav1.DataPlatformSpec{
			Role:       role,
			Department: scidatav1.Department{Code: code, Name: "Department " + code},
			Owners:     scidatav1.Owners{Groups: []string{code + "-admins"}, Users: []string{"chief@" + code}},
			Storage:    scidatav1.Storage{Size: resource.MustParse("10Gi")},
			Quota:      &scidatav1.Quota{CPU: ptr.To(resource.MustParse("4")), Pods: ptr.To[int32](40)},
		},
	}
}

// clusterFixture creates what a real cluster shows and envtest lacks: the
// operator's namespace and the cluster DNS Service with a host endpoint (as
// on the local real node, where CoreDNS is a host process).
func clusterFixture(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{operatorNamespace, dnsService.Namespace} {
		_ = env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: dnsService.Name, Namespace: dnsService.Namespace},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}}}}
	if err := env.Client.Create(ctx, svc); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	udp := corev1.ProtocolUDP
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "kube-dns-host", Namespace: dnsService.Namespace, Labels: map[string]string{discoveryv1.LabelServiceName: dnsService.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("dns"), Port: ptr.To[int32](53), Protocol: &udp}},
	}
	if err := env.Client.Create(ctx, slice); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func getPlatform(t *testing.T, name string) *scidatav1.DataPlatform {
	t.Helper()
	var dp scidatav1.DataPlatform
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: name}, &dp); err != nil {
		t.Fatal(err)
	}
	return &dp
}

func platformCondition(dp *scidatav1.DataPlatform, typ string) string {
	c := meta.FindStatusCondition(dp.Status.Conditions, typ)
	if c == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s/%s: %s", c.Status, c.Reason, c.Message)
}

// assertApplied checks that the live object holds exactly what the builder
// builds, field by field: the fields the operator's field manager owns,
// with the values the builder gives them.
func assertApplied[O client.Object, AC apply.Named](t *testing.T, desired AC, live O, extract func(O, string) (AC, error)) {
	t.Helper()
	key := types.NamespacedName{Name: *desired.GetName()}
	if ns := desired.GetNamespace(); ns != nil {
		key.Namespace = *ns
	}
	eventually(t, "applied "+key.String(), func() error {
		if err := env.Client.Get(context.Background(), key, live); err != nil {
			return err
		}
		got, err := extract(live, apply.FieldManager)
		if err != nil {
			return err
		}
		if !equality.Semantic.DeepEqual(got, desired) {
			g, _ := json.Marshal(got)
			d, _ := json.Marshal(desired)
			return fmt.Errorf("live object differs from the builder's:\n live: %s\n want: %s", g, d)
		}
		return nil
	})
}

// makeWorkloadsReady does what kube-controller-manager and a kubelet would
// do on a real node: bind the store's claim and report pods ready.
func makeWorkloadsReady(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Helper()
	ctx := context.Background()
	ns := platform.Namespace(dp)
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-objectstore-0", Namespace: ns, Labels: platform.Labels(dp, platform.ComponentObjectStore)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: dp.Spec.Storage.Size}},
			VolumeName:  "pv-" + dp.Name,
		},
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv-" + dp.Name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: dp.Spec.Storage.Size},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + dp.Name}},
		},
	}
	for _, o := range []client.Object{pv, pvc} {
		if err := env.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	setStatus(t, pvc, func() {
		pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: corev1.ResourceList{corev1.ResourceStorage: dp.Spec.Storage.Size}}
	})
	var sts appsv1.StatefulSet
	eventually(t, "store StatefulSet", func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.ObjectStoreName}, &sts)
	})
	setStatus(t, &sts, func() {
		sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1, CurrentReplicas: 1}
	})
	var d appsv1.Deployment
	eventually(t, "portal Deployment", func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.PortalName}, &d)
	})
	setStatus(t, &d, func() {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	})
}

func waitReady(t *testing.T, name string) *scidatav1.DataPlatform {
	t.Helper()
	var dp *scidatav1.DataPlatform
	eventually(t, name+" Ready", func() error {
		dp = getPlatform(t, name)
		if !meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) || dp.Status.ObservedGeneration != dp.Generation {
			var d appsv1.Deployment
			_ = env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}, &d)
			return fmt.Errorf("Ready is %s (observedGeneration %d of %d); portal generation %d status %+v", platformCondition(dp, scidatav1.ConditionReady), dp.Status.ObservedGeneration, dp.Generation, d.Generation, d.Status)
		}
		return nil
	})
	return dp
}

func assertOwnedObjects(t *testing.T, dp *scidatav1.DataPlatform, net platform.ClusterNetwork) {
	t.Helper()
	assertApplied(t, platform.NamespaceObject(dp), &corev1.Namespace{}, corev1ac.ExtractNamespace)
	assertApplied(t, platform.ResourceQuota(dp), &corev1.ResourceQuota{}, corev1ac.ExtractResourceQuota)
	assertApplied(t, platform.LimitRange(dp), &corev1.LimitRange{}, corev1ac.ExtractLimitRange)
	assertApplied(t, platform.OwnersRoleBinding(dp), &rbacv1.RoleBinding{}, rbacv1ac.ExtractRoleBinding)
	assertApplied(t, platform.UploadSecretRole(dp), &rbacv1.Role{}, rbacv1ac.ExtractRole)
	assertApplied(t, platform.UploadSecretRoleBinding(dp), &rbacv1.RoleBinding{}, rbacv1ac.ExtractRoleBinding)
	assertApplied(t, platform.PortalServiceAccount(dp), &corev1.ServiceAccount{}, corev1ac.ExtractServiceAccount)
	assertApplied(t, platform.PortalReaderBinding(dp), &rbacv1.RoleBinding{}, rbacv1ac.ExtractRoleBinding)
	assertApplied(t, platform.ObjectStoreService(dp), &corev1.Service{}, corev1ac.ExtractService)
	assertApplied(t, platform.ObjectStoreHeadlessService(dp), &corev1.Service{}, corev1ac.ExtractService)
	assertApplied(t, platform.ObjectStoreStatefulSet(dp, testConfig, dp.Spec.Storage.Size, storeRevision(t, dp), "scidata"), &appsv1.StatefulSet{}, appsv1ac.ExtractStatefulSet)
	assertApplied(t, platform.PortalService(dp), &corev1.Service{}, corev1ac.ExtractService)
	assertApplied(t, platform.PortalDeployment(dp, testConfig), &appsv1.Deployment{}, appsv1ac.ExtractDeployment)
	for _, np := range platform.NetworkPolicies(dp, testConfig, net) {
		assertApplied(t, np, &networkingv1.NetworkPolicy{}, networkingv1ac.ExtractNetworkPolicy)
	}
	if crb := platform.PortalReaderClusterBinding(dp); crb != nil {
		assertApplied(t, crb, &rbacv1.ClusterRoleBinding{}, rbacv1ac.ExtractClusterRoleBinding)
	}
	if role := platform.ReceiptKeysRole(dp); role != nil {
		assertApplied(t, role, &rbacv1.Role{}, rbacv1ac.ExtractRole)
		assertApplied(t, platform.ReceiptKeysRoleBinding(dp), &rbacv1.RoleBinding{}, rbacv1ac.ExtractRoleBinding)
	}
}

// storeRevision identifies the store's current certificate and accounts,
// read from the Secrets.
func storeRevision(t *testing.T, dp *scidatav1.DataPlatform) platform.StoreRevision {
	t.Helper()
	get := func(name string) *corev1.Secret {
		var sec corev1.Secret
		if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: name}, &sec); err != nil {
			t.Fatalf("secret %s: %v", name, err)
		}
		return &sec
	}
	access := map[string]string{}
	names := []string{platform.RootCredentialsName, platform.UploadCredentialsName}
	if dp.Spec.Role == scidatav1.RoleDepartment {
		names = append(names, platform.CenterReadCredentialsName)
	} else {
		names = append(names, platform.SyncCredentialsName)
	}
	for _, n := range names {
		access[n] = string(get(n).Data[platform.AccessKeyField])
	}
	return platform.StoreRevision{Certificate: platform.CertificateID(get(platform.TLSSecretName).Data[corev1.TLSCertKey]), Accounts: platform.AccountsID(access)}
}

func servingCertificate(t *testing.T, dp *scidatav1.DataPlatform) string {
	t.Helper()
	return storeRevision(t, dp).Certificate
}

// A new serving certificate, or a replaced account, rolls the store's pod:
// the S3 server reads its certificate, and store-init its accounts, only
// when the pod starts. A deleted Secret is made again at once.
func TestNewCertificateOrAccountRollsTheStore(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "cert-roll", nil)
	before := servingCertificate(t, dp)
	var sec corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.TLSSecretName}, &sec); err != nil {
		t.Fatal(err)
	}
	// As if renewed: the operator issues a new certificate for a missing one.
	if err := env.Client.Delete(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new certificate in the pod template", func() error {
		var now corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.TLSSecretName}, &now); err != nil {
			return err
		}
		id := platform.CertificateID(now.Data[corev1.TLSCertKey])
		var sts appsv1.StatefulSet
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.ObjectStoreName}, &sts); err != nil {
			return err
		}
		got := sts.Spec.Template.Annotations[platform.AnnotationServingCertificate]
		if id == before || got != id {
			return fmt.Errorf("certificate %s (was %s), pod template names %s", id, before, got)
		}
		return nil
	})

	accountsBefore := storeRevision(t, dp).Accounts
	var upload corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.UploadCredentialsName}, &upload); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, &upload); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new upload keys in the pod template", func() error {
		var sts appsv1.StatefulSet
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.ObjectStoreName}, &sts); err != nil {
			return err
		}
		var now corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.UploadCredentialsName}, &now); err != nil {
			return err
		}
		want := storeRevision(t, dp).Accounts
		if got := sts.Spec.Template.Annotations[platform.AnnotationAccounts]; want == accountsBefore || got != want {
			return fmt.Errorf("accounts %s (were %s), pod template names %s", want, accountsBefore, got)
		}
		return nil
	})
}

func ensureAPIServerEndpoints(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var slices discoveryv1.EndpointSliceList
	if err := env.Client.List(ctx, &slices, client.InNamespace("default"), client.MatchingLabels{discoveryv1.LabelServiceName: "kubernetes"}); err != nil {
		t.Fatal(err)
	}
	if len(slices.Items) > 0 {
		return
	}
	tcp := corev1.ProtocolTCP
	// envtest runs the apiserver without its endpoint reconciler; write
	// the slice the reconciler would, pointing at a host address.
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.1"}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To[int32](6443), Protocol: &tcp}},
	}
	if err := env.Client.Create(ctx, slice); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func observedNetwork(t *testing.T) platform.ClusterNetwork {
	t.Helper()
	net, err := (&DataPlatformReconciler{Client: env.Client, DNSService: dnsService}).clusterNetwork(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(context.Background(), o); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
}

// A Center and three departments become fully reconciled: every owned
// object is what the builders build, credentials and certificates exist,
// the departments' read-only accounts reach the Center, and Ready follows
// the workloads' own status.
func TestCenterAndDepartmentsBecomeReady(t *testing.T) {
	ctx := context.Background()
	clusterFixture(t)
	ensureAPIServerEndpoints(t)
	center := newPlatform(scidatav1.CenterName, scidatav1.RoleCenter, "st-info-institute")
	center.Spec.MaxClassification = scidatav1.ClassificationConfidential
	center.Spec.Upstream = &scidatav1.Upstream{Name: "Province", Endpoint: "https://data.province.example.org", CIDRs: []string{"198.51.100.0/24"}}
	center.Spec.Network = &scidatav1.PlatformNetwork{PublicNamespaces: []string{"ingress-nginx"}, PublicCIDRs: []string{"203.0.113.0/24"}}
	water := newPlatform("water-resources", scidatav1.RoleDepartment, "water-resources")
	weather := newPlatform("meteorology", scidatav1.RoleDepartment, "meteorology")
	weather.Spec.Network = &scidatav1.PlatformNetwork{AllowedNamespaces: []string{"weather-tools"}}
	survey := newPlatform("natural-resources", scidatav1.RoleDepartment, "natural-resources")
	survey.Spec.MaxClassification = scidatav1.ClassificationSecret
	create(t, center, water, weather, survey)

	for _, dp := range []*scidatav1.DataPlatform{center, water, weather, survey} {
		t.Run(dp.Name, func(t *testing.T) {
			live := getPlatform(t, dp.Name)
			eventually(t, "finalizer", func() error {
				live = getPlatform(t, dp.Name)
				if len(live.Finalizers) == 0 {
					return fmt.Errorf("no finalizer")
				}
				return nil
			})
			assertOwnedObjects(t, live, observedNetwork(t))
			makeWorkloadsReady(t, live)
			live = waitReady(t, dp.Name)
			for _, typ := range []string{scidatav1.ConditionStorageReady, scidatav1.ConditionPortalReady, scidatav1.ConditionNetworkIsolated} {
				if !meta.IsStatusConditionTrue(live.Status.Conditions, typ) {
					t.Errorf("%s is %s", typ, platformCondition(live, typ))
				}
			}
			if live.Status.Namespace != platform.Namespace(live) || live.Status.Endpoints.ObjectStore != "https://objectstore."+platform.Namespace(live)+".svc:9000" || live.Status.Endpoints.Portal != platform.PortalURL(live) {
				t.Errorf("status names the wrong places: %+v", live.Status)
			}
			if live.Status.Storage == nil || live.Status.Storage.Cmp(live.Spec.Storage.Size) != 0 {
				t.Errorf("status.storage = %v, want the bound %s", live.Status.Storage, live.Spec.Storage.Size.String())
			}
			var pv corev1.PersistentVolume
			eventually(t, "volume retained", func() error {
				if err := env.Client.Get(ctx, types.NamespacedName{Name: "pv-" + dp.Name}, &pv); err != nil {
					return err
				}
				if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain {
					return fmt.Errorf("reclaim policy %s", pv.Spec.PersistentVolumeReclaimPolicy)
				}
				return nil
			})
			assertSecrets(t, live)
		})
	}

	t.Run("a platform above the Center's clearance takes no sync traffic", func(t *testing.T) {
		var np networkingv1.NetworkPolicy
		err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.Namespace(survey), Name: platform.PolicyStoreFromSync}, &np)
		if !apierrors.IsNotFound(err) {
			t.Errorf("natural-resources (Secret) admits the Center (Confidential) sync pods: %v", err)
		}
		if c := meta.FindStatusCondition(getPlatform(t, survey.Name).Status.Conditions, scidatav1.ConditionNetworkIsolated); c == nil || c.Reason != "IsolatedUncleared" {
			t.Errorf("NetworkIsolated does not say the Center is not cleared: %+v", c)
		}
	})
}

func assertSecrets(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Helper()
	ctx := context.Background()
	ns := platform.Namespace(dp)
	names := []string{platform.RootCredentialsName, platform.UploadCredentialsName, platform.TLSSecretName}
	if dp.Spec.Role == scidatav1.RoleDepartment {
		names = append(names, platform.CenterReadCredentialsName)
	}
	for _, n := range names {
		var s corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: n}, &s); err != nil {
			t.Errorf("secret %s: %v", n, err)
			continue
		}
		if len(s.OwnerReferences) > 0 && n != platform.TLSSecretName {
			t.Errorf("credentials %s carry an owner reference: deleting the platform would delete them", n)
		}
	}
	if dp.Spec.Role != scidatav1.RoleDepartment {
		return
	}
	eventually(t, "read-only account mirrored into the Center", func() error {
		var src, mirror corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.CenterReadCredentialsName}, &src); err != nil {
			return err
		}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.MirroredReadSecretName(dp.Name)}, &mirror); err != nil {
			return err
		}
		if !sameCredentials(src.Data, mirror.Data) {
			return fmt.Errorf("mirror differs from the department's account")
		}
		return nil
	})
}

// readyDepartment creates a department platform and brings it to Ready.
func readyDepartment(t *testing.T, name string, mut func(*scidatav1.DataPlatform)) *scidatav1.DataPlatform {
	t.Helper()
	clusterFixture(t)
	ensureAPIServerEndpoints(t)
	dp := newPlatform(name, scidatav1.RoleDepartment, name)
	if mut != nil {
		mut(dp)
	}
	create(t, dp)
	eventually(t, "store created", func() error {
		var sts appsv1.StatefulSet
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.ObjectStoreName}, &sts)
	})
	makeWorkloadsReady(t, getPlatform(t, name))
	return waitReady(t, name)
}

// A hand edit of an owned object is reverted on the next reconcile.
func TestDriftIsReverted(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "drift", nil)
	key := types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PortalName}
	var d appsv1.Deployment
	if err := env.Client.Get(ctx, key, &d); err != nil {
		t.Fatal(err)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, key, &d); err != nil {
			return err
		}
		d.Spec.Template.Spec.Containers[0].Image = "attacker/portal:latest"
		d.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
		return env.Client.Update(ctx, &d)
	})
	if err != nil {
		t.Fatal(err)
	}
	var np networkingv1.NetworkPolicy
	npKey := types.NamespacedName{Namespace: platform.Namespace(dp), Name: platform.PolicyDefaultDeny}
	if err := env.Client.Get(ctx, npKey, &np); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, &np); err != nil {
		t.Fatal(err)
	}
	assertApplied(t, platform.PortalDeployment(dp, testConfig), &appsv1.Deployment{}, appsv1ac.ExtractDeployment)
	eventually(t, "default-deny policy restored", func() error { return env.Client.Get(ctx, npKey, &np) })
}

// A reconcile that finds nothing to change issues no write: no PATCH, no
// PUT, no POST, no DELETE.
func TestSteadyStateReconcileWritesNothing(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "steady", nil)
	before := reconciles(t)
	w0 := writes.Load()
	// An annotation change wakes the controller without changing anything
	// it manages.
	patch := client.MergeFrom(dp.DeepCopy())
	dp.Annotations = map[string]string{"example.org/touched": "yes"}
	if err := env.Client.Patch(ctx, dp, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a reconcile after the annotation", func() error {
		if reconciles(t) <= before {
			return fmt.Errorf("no reconcile yet")
		}
		return nil
	})
	if got := writes.Load() - w0; got != 0 {
		t.Fatalf("a steady-state reconcile made %d write requests; want 0", got)
	}
}

// reconciles is how many DataPlatform reconciles finished without error,
// from the manager's own metrics.
func reconciles(t *testing.T) float64 {
	t.Helper()
	return reconcilesOf(t, "dataplatform")
}

// reconcilesOf is how many reconciles of controller finished without
// error, from the manager's own metrics.
func reconcilesOf(t *testing.T, controller string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["controller"] == controller && labels["result"] != "error" {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// Deleting a Retain platform stops its workloads and keeps its namespace,
// claims and credentials, labelled as retained; a platform of the same name
// and department adopts them, and one of another department is refused.
func TestRetainedPlatformIsKeptAndAdopted(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "ecology", nil)
	ns := platform.Namespace(dp)
	var root corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.RootCredentialsName}, &root); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, dp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "platform gone", func() error {
		return gone(env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &scidatav1.DataPlatform{}))
	})
	var live corev1.Namespace
	if err := env.Client.Get(ctx, types.NamespacedName{Name: ns}, &live); err != nil {
		t.Fatalf("namespace not kept: %v", err)
	}
	if live.Labels[scidatav1.LabelRetained] != "true" || !live.DeletionTimestamp.IsZero() {
		t.Fatalf("namespace not retained: labels %v, deleting %v", live.Labels, live.DeletionTimestamp)
	}
	var pvc corev1.PersistentVolumeClaim
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "data-objectstore-0"}, &pvc); err != nil || pvc.Labels[scidatav1.LabelRetained] != "true" {
		t.Fatalf("claim not retained: %v %v", err, pvc.Labels)
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.ObjectStoreName}, &appsv1.StatefulSet{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the store's StatefulSet still runs: %v", err)
	}

	t.Run("another department cannot adopt it", func(t *testing.T) {
		// A Department platform is named for its department code, so the
		// apiserver refuses another department under this name; a namespace
		// kept from a platform made before that rule may still name another
		// department, and the controller refuses to adopt it.
		if err := env.Client.Create(ctx, newPlatform(dp.Name, scidatav1.RoleDepartment, "planning")); !apierrors.IsInvalid(err) {
			t.Fatalf("another department under the name %s: %v; want Invalid", dp.Name, err)
		}
		relabelDepartment(t, ns, "planning")
		other := newPlatform(dp.Name, scidatav1.RoleDepartment, dp.Spec.Department.Code)
		create(t, other)
		eventually(t, "stalled on the conflict", func() error {
			got := getPlatform(t, dp.Name)
			if c := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionStalled); c == nil || c.Reason != "NamespaceConflict" {
				return fmt.Errorf("Stalled is %s", platformCondition(got, scidatav1.ConditionStalled))
			}
			return nil
		})
		if err := env.Client.Delete(ctx, other); err != nil {
			t.Fatal(err)
		}
		eventually(t, "conflicting platform gone", func() error {
			return gone(env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &scidatav1.DataPlatform{}))
		})
		if err := env.Client.Get(ctx, types.NamespacedName{Name: ns}, &live); err != nil || live.Labels[scidatav1.LabelDepartment] != "planning" {
			t.Fatalf("the refused platform touched the retained namespace: %v %v", err, live.Labels)
		}
		relabelDepartment(t, ns, dp.Spec.Department.Code)
	})

	t.Run("the same name and department adopt it", func(t *testing.T) {
		again := newPlatform(dp.Name, scidatav1.RoleDepartment, dp.Spec.Department.Code)
		create(t, again)
		eventually(t, "adopted", func() error {
			got := getPlatform(t, dp.Name)
			if !got.Status.Adopted {
				return fmt.Errorf("not adopted: %s", platformCondition(got, scidatav1.ConditionReady))
			}
			if err := env.Client.Get(ctx, types.NamespacedName{Name: ns}, &live); err != nil {
				return err
			}
			if _, ok := live.Labels[scidatav1.LabelRetained]; ok {
				return fmt.Errorf("namespace still labelled retained")
			}
			return nil
		})
		var rootAgain corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.RootCredentialsName}, &rootAgain); err != nil {
			t.Fatal(err)
		}
		if !sameCredentials(root.Data, rootAgain.Data) {
			t.Fatal("adoption rewrote the store's root credentials")
		}
	})
}

// With retention Delete, deletion marks the namespace as approved for
// deletion by the operator and deletes it.
func TestDeleteRetentionDeletesTheNamespace(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "scratch", func(p *scidatav1.DataPlatform) { p.Spec.Storage.Retention = scidatav1.RetentionDelete })
	if err := env.Client.Delete(ctx, dp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "namespace deleting", func() error {
		var ns corev1.Namespace
		if err := env.Client.Get(ctx, types.NamespacedName{Name: platform.Namespace(dp)}, &ns); err != nil {
			return client.IgnoreNotFound(err)
		}
		if ns.Annotations[scidatav1.AnnotationDeletionApproved] != "true" || ns.DeletionTimestamp.IsZero() {
			return fmt.Errorf("annotations %v, deleting %v", ns.Annotations, ns.DeletionTimestamp)
		}
		return nil
	})
}

// Storage grows by patching the claims; where the class cannot expand, the
// platform says so and stalls instead of failing the whole reconcile.
func TestStorageGrowth(t *testing.T) {
	ctx := context.Background()
	for _, expand := range []bool{true, false} {
		name := fmt.Sprintf("grow-%v", expand)
		sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "example.org/test", AllowVolumeExpansion: ptr.To(expand)}
		create(t, sc)
		dp := readyDepartment(t, name, func(p *scidatav1.DataPlatform) { p.Spec.Storage.StorageClassName = ptr.To(name) })
		var pvc corev1.PersistentVolumeClaim
		key := types.NamespacedName{Namespace: platform.Namespace(dp), Name: "data-objectstore-0"}
		if err := env.Client.Get(ctx, key, &pvc); err != nil {
			t.Fatal(err)
		}
		pvc.Spec.StorageClassName = ptr.To(name)
		// The test's claim was made before the class was named on it.
		if err := env.Client.Update(ctx, &pvc); err != nil && !apierrors.IsInvalid(err) {
			t.Fatal(err)
		}
		patch := client.MergeFrom(dp.DeepCopy())
		dp.Spec.Storage.Size = resource.MustParse("20Gi")
		if err := env.Client.Patch(ctx, dp, patch); err != nil {
			t.Fatal(err)
		}
		eventually(t, name, func() error {
			got := getPlatform(t, name)
			stalledC := meta.FindStatusCondition(got.Status.Conditions, scidatav1.ConditionStalled)
			if !expand {
				if stalledC == nil || stalledC.Reason != scidatav1.ReasonStorageResizeUnsupported {
					return fmt.Errorf("Stalled is %s", platformCondition(got, scidatav1.ConditionStalled))
				}
				return nil
			}
			if err := env.Client.Get(ctx, key, &pvc); err != nil {
				return err
			}
			if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(resource.MustParse("20Gi")) != 0 {
				return fmt.Errorf("claim requests %s (Ready %s)", q.String(), platformCondition(got, scidatav1.ConditionReady))
			}
			return nil
		})
	}
}

// kstatus, as Flux and `kubectl wait` read it, calls a Ready platform
// Current and a platform waiting on its workloads InProgress.
func TestKstatusReadsPlatforms(t *testing.T) {
	ctx := context.Background()
	dp := readyDepartment(t, "kstatus", nil)
	compute := func() kstatus.Status {
		var u unstructured.Unstructured
		u.SetGroupVersionKind(scidatav1.GroupVersion.WithKind("DataPlatform"))
		if err := env.Client.Get(ctx, types.NamespacedName{Name: dp.Name}, &u); err != nil {
			t.Fatal(err)
		}
		res, err := kstatus.Compute(&u)
		if err != nil {
			t.Fatal(err)
		}
		return res.Status
	}
	if s := compute(); s != kstatus.CurrentStatus {
		t.Fatalf("a Ready platform is %s to kstatus", s)
	}
	patch := client.MergeFrom(dp.DeepCopy())
	dp.Spec.Portal.Replicas = ptr.To[int32](2)
	if err := env.Client.Patch(ctx, dp, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "InProgress while the portal scales", func() error {
		if s := compute(); s != kstatus.InProgressStatus {
			return fmt.Errorf("kstatus %s", s)
		}
		return nil
	})
}

// setStatus writes an object's status as the controller that owns it
// would, retrying on conflicts with the operator's concurrent writes.
func setStatus(t *testing.T, obj client.Object, mutate func()) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return env.Client.Status().Update(ctx, obj)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// relabelDepartment sets the department label of a namespace, as a platform
// of that department would have left it.
func relabelDepartment(t *testing.T, ns, department string) {
	t.Helper()
	var live corev1.Namespace
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: ns}, &live); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(live.DeepCopy())
	live.Labels[scidatav1.LabelDepartment] = department
	if err := env.Client.Patch(context.Background(), &live, patch); err != nil {
		t.Fatal(err)
	}
}

// gone reads the result of a Get of an object that should have been
// deleted: nil once it is not found, else why it is not gone yet.
func gone(err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("get: %w", err)
	default:
		return errors.New("still there")
	}
}
