package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

// The city's existing object store: SeaweedFS, which the test runs as a
// process bound to the node's own address, as a city's S3 outside the
// cluster would be (pods reach it through the node's address, never
// through a Service). A department keeps its data there (External); the
// Center stays Managed.
const (
	extDept     = "forestry"
	extNS       = "scidata-forestry"
	extBucket   = "e2e-forestry" // the store grants its accounts e2e-*
	extReviewer = "reviewer@forestry"
	extEntry    = "stand-growth-plots"
	extPrefix   = "silviculture/stand-growth/"
	extVersion  = "2024.12"
	extProject  = "BZLY-2024-003"
	// cityStoreName names the shared SeaweedFS server (s3test.Shared): it
	// lives for the whole run, TestMain stops it.
	cityStoreName = "city-store"
	// The Secrets the city's storage team creates in the operator's namespace.
	extUploadSecret = "forestry-upload"
	extReadSecret   = "forestry-center-read"
	extCASecret     = "city-s3-ca"
)

// extData is what the External department's owners upload.
var extData = map[string]string{
	"stands.csv":      "stand,county,species,planted\nTJ-S01,Tongjiang,Cunninghamia lanceolata,2009\nNJ-S04,Nanjiang,Pinus massoniana,2012\n",
	"growth-2024.csv": "stand,dbh_cm,height_m,volume_m3_ha\nTJ-S01,18.4,14.2,212\nNJ-S04,15.1,11.8,167\n",
	"README.txt":      "Permanent stand growth plots of the city forest inventory. Columns are described in the entry.\n",
}

// nodeIP is the node's InternalIP: where the city's store listens.
var nodeIP string

func cityStoreOptions() s3test.Options {
	return s3test.Options{Engine: s3test.SeaweedFS, Bucket: "e2e-*", Host: nodeIP}
}

// warmCityStore finds the node's address and starts the city's store in
// the background (SeaweedFS takes seconds), while the operator installs.
func warmCityStore(t *testing.T, k kube) {
	t.Helper()
	nodeIP = strings.TrimSpace(k.run("get", "nodes", "-o", `jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}`))
	if net.ParseIP(nodeIP) == nil {
		t.Fatalf("the node reports no InternalIP: %q", nodeIP)
	}
	s3test.Warm(cityStoreName, cityStoreOptions())
}

func cityStore(t *testing.T) *s3test.Server {
	t.Helper()
	return s3test.Shared(t, cityStoreName, cityStoreOptions())
}

// applyDoc applies a YAML document, again until it is accepted (its
// namespace may not exist yet).
func applyDoc(t *testing.T, k kube, what, doc string) {
	t.Helper()
	eventually(t, 90*time.Second, what+" is accepted", func() (bool, string) {
		out, err := k.try(doc, "apply", "--server-side", "-f", "-")
		return err == nil, out
	})
}

// externalDepartmentYAML is the department's DataPlatform on srv, with the
// Secrets its storage team creates and the node's address as the network.
func externalDepartmentYAML(srv *s3test.Server) string {
	host, port, _ := net.SplitHostPort(srv.Endpoint)
	return fmt.Sprintf(`apiVersion: scidata.io/v1alpha1
kind: DataPlatform
metadata:
  name: %s
  labels: {scidata.io/city: bazhong}
spec:
  role: Department
  department: {code: %s, name: Bazhong Municipal Forestry Bureau, localName: 巴中市林业局}
  owners: {groups: [dept-forestry-admins]}
  storage: {size: 1Gi}
  maxClassification: Internal
  objectStore:
    mode: External
    external:
      endpoint: https://%s
      bucket: %s
      credentialsSecret: {name: %s}
      centerReadCredentialsSecret: {name: %s}
      caSecret: {name: %s}
      network: {cidrs: [%s/32], ports: [%s]}
`, extDept, extDept, srv.Endpoint, extBucket, extUploadSecret, extReadSecret, extCASecret, host, port)
}

// cityStoreSecrets are what the storage team puts into the operator's
// namespace for the External department: its two accounts and the store's
// CA bundle, with no label.
func cityStoreSecrets(t *testing.T, srv *s3test.Server) string {
	t.Helper()
	return storeSecrets(t, srv, map[string]s3test.Account{extUploadSecret: s3test.Upload, extReadSecret: s3test.ReadOnly})
}

// storeSecrets are Secrets in the operator's namespace holding the given
// accounts of srv (Secret name → account) and srv's CA bundle
// (extCASecret), as a storage team creates them.
func storeSecrets(t *testing.T, srv *s3test.Server, accounts map[string]s3test.Account) string {
	t.Helper()
	ca, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := func(name string, data map[string]string) *corev1.Secret {
		return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNS}, StringData: data}
	}
	objs := []any{secret(extCASecret, map[string]string{store.CAField: string(ca)})}
	for _, name := range slices.Sorted(maps.Keys(accounts)) {
		a := accounts[name]
		objs = append(objs, secret(name, map[string]string{platform.AccessKeyField: a.Access, platform.SecretKeyField: a.Secret}))
	}
	doc, err := cityops.YAML(objs...)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// entryYAML is a CatalogEntry of the External department that the
// Center's city-wide policy selects (Government funding), with every
// metadata gate of that policy filled.
func entryYAML(name, title, prefix, version string) string {
	return fmt.Sprintf(`apiVersion: scidata.io/v1alpha1
kind: CatalogEntry
metadata:
  name: %[1]s
  namespace: %[2]s
  labels: {scidata.io/subject: forestry}
spec:
  title: %[3]s
  description: >-
    Permanent plots of the city forest inventory, remeasured every year:
    stand, species, diameter at breast height, height and stand volume.
  subject: Forestry
  subjectCode: "220"
  keywords: [forest inventory, stand growth, permanent plots]
  dataTypes: [Table, Numeric]
  responsibleDepartment: {code: %[6]s, name: Bazhong Municipal Forestry Bureau, localName: 巴中市林业局}
  providingDepartment: {name: Bazhong Forest Inventory Team, code: SAMPLE-USCC-0042}
  data:
    prefix: %[4]s
    contentVersion: "%[5]s"
    createdAt: "2024-12-20T00:00:00Z"
    formats: [text/csv]
  license: {name: CC-BY-4.0, url: https://creativecommons.org/licenses/by/4.0/}
  sharing:
    mode: Open
    scope: Research and public use with attribution
    fees: {model: Free}
  classification: {level: Public}
  accessMethod: {type: Download, url: https://data.bazhong.example.org/forestry/%[1]s/}
  funding:
    source: Government
    programme: Bazhong City Forestry Science Plan
    projectID: %[7]s
    acceptanceDate: "2027-06-30T00:00:00Z"
  contact: {name: Forest inventory data steward, email: inventory@bazhong.example.org}
`, name, extNS, title, prefix, version, extDept, extProject)
}

// externalDepartmentReady: a department whose store is External on the
// city's SeaweedFS is not Ready while a Secret its spec names is missing
// (Stalled, naming it), and becomes Ready once the operator's probe proved
// the store with the accounts and CA the storage team created; it gets no
// store of its own, copies of its accounts for its pods and the Center's
// sync pods, and egress to the node's address on the store's port only.
func externalDepartmentReady(t *testing.T, k kube) {
	srv := cityStore(t)
	t.Logf("the city's store: SeaweedFS on %s (answering and taking writes %.1fs after it started)", srv.Endpoint, srv.Started.Seconds())
	srv.MakeBucket(t, extBucket)
	applyDoc(t, k, "the External department "+extDept, externalDepartmentYAML(srv))
	eventually(t, time.Minute, extDept+" is Stalled, naming its missing Secret", func() (bool, string) {
		dp := getPlatform(t, k, extDept)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == scidatav1.ReasonSecretMissing &&
				(strings.Contains(c.Message, extUploadSecret) || strings.Contains(c.Message, extReadSecret) || strings.Contains(c.Message, extCASecret)) &&
				meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionStalled) &&
				!meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady),
			fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	storage := meta.FindStatusCondition(getPlatform(t, k, extDept).Status.Conditions, scidatav1.ConditionStorageReady)
	t.Logf("before its Secrets exist: StorageReady=False %s: %s", storage.Reason, storage.Message)
	start := time.Now()
	if out, err := k.try(cityStoreSecrets(t, srv), "apply", "-f", "-"); err != nil {
		t.Fatalf("the storage team's Secrets: %v\n%s", err, out)
	}
	var dp *scidatav1.DataPlatform
	eventually(t, 2*time.Minute, extDept+" is Ready because the probe proved its store", func() (bool, string) {
		dp = getPlatform(t, k, extDept)
		c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady)
		return dp.Status.ObservedGeneration == dp.Generation && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady) &&
			c != nil && c.Reason == scidatav1.ReasonExternalStoreVerified, fmt.Sprintf("%+v", dp.Status.Conditions)
	})
	t.Logf("%s Ready %.1fs after its Secrets were created: %s", extDept, time.Since(start).Seconds(),
		meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionStorageReady).Message)
	saneConditions(t, dp)
	if dp.Status.ExternalStore == nil || dp.Status.ExternalStore.AccountsVerified == nil {
		t.Errorf("%s: status.externalStore does not record the accounts the probe proved: %+v", extDept, dp.Status.ExternalStore)
	}
	if dp.Status.Endpoints.ObjectStore != "https://"+srv.Endpoint || dp.Status.Endpoints.Bucket == nil || *dp.Status.Endpoints.Bucket != extBucket {
		t.Errorf("%s: endpoints %+v", extDept, dp.Status.Endpoints)
	}
	// The probe removed what it wrote: the bucket is empty.
	for o := range srv.Root().ListObjects(context.Background(), extBucket, minio.ListObjectsOptions{Recursive: true}) {
		t.Errorf("the probe left %s (%v) in %s", o.Key, o.Err, extBucket)
	}
	for _, o := range [][]string{{"statefulset", "-n", extNS, platform.ObjectStoreName}, {"pvc", "-n", extNS, storeClaim}} {
		if k.exists(o...) {
			t.Errorf("an External platform has a %s", strings.Join(o, " "))
		}
	}
	for _, o := range [][]string{{"secret", "-n", extNS, platform.UploadCredentialsName}, {"secret", "-n", centerNS, platform.MirroredReadSecretName(extDept)}, {"configmap", "-n", extNS, platform.CABundleName}} {
		if !k.exists(o...) {
			t.Errorf("no %s: the pods that use the store get copies of its accounts and CA", strings.Join(o, " "))
		}
	}
	var np networkingv1.NetworkPolicy
	k.get(&np, "networkpolicy", "-n", extNS, platform.PolicyStoreEgress)
	_, port, _ := net.SplitHostPort(srv.Endpoint)
	checkEgressTo(t, extNS, np, []string{nodeIP + "/32 " + port + "/TCP"})
}

// externalUpload: the owners upload from a pod of their namespace into the
// city's store, with the copy of their account and the store's CA bundle;
// the store, read from the host as its storage team would, holds the bytes.
func externalUpload(t *testing.T, k kube) {
	srv := cityStore(t)
	st := store.For(getPlatform(t, k, extDept), operatorNS)
	cm := cityops.DataConfigMap(extNS, "stand-growth-data", extData)
	b, _ := yaml.Marshal(cm)
	if out, err := k.try(string(b), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply data ConfigMap: %v\n%s", err, out)
	}
	start := time.Now()
	out := toolJob(t, k, extNS, "upload-stand-growth", cityops.UploadArgs(st, extPrefix), platform.UploadCredentialsName, cm.Name)
	t.Logf("uploaded into SeaweedFS in %.1fs:\n%s", time.Since(start).Seconds(), out)
	for name, data := range extData {
		obj, err := srv.Root().GetObject(context.Background(), extBucket, extPrefix+name, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		_ = obj.Close()
		if err != nil || string(got) != data {
			t.Errorf("the city's store holds %s%s as %q (%v), the owners uploaded %q", extPrefix, name, got, err, data)
		}
	}
	applyDoc(t, k, "CatalogEntry "+extEntry, entryYAML(extEntry, "Stand growth on permanent inventory plots, 2024", extPrefix, extVersion))
}

// externalSubmitAndReceive: the External department's Submission, reviewed
// and accepted, is synced by a real sync pod from SeaweedFS into the
// Managed Center; its receipt verifies offline and a changed byte does not.
func externalSubmitAndReceive(t *testing.T, k kube) {
	receive(t, k, flow{dept: extDept, ns: extNS, entry: extEntry, version: extVersion, reviewer: extReviewer, data: extData})
}

// centerStoreClient reads the Center's Managed store from the host with
// the Center's owners' account (list and read only), verifying its
// certificate against the store's CA bundle for its in-cluster name: the
// node reaches its pods directly, as its kubelet's probes do.
func centerStoreClient(t *testing.T, k kube) (*minio.Client, string) {
	t.Helper()
	var sec corev1.Secret
	k.get(&sec, "secret", "-n", centerNS, platform.UploadCredentialsName)
	return storeClient(t, k, centerNS, string(sec.Data[platform.AccessKeyField]), string(sec.Data[platform.SecretKeyField]))
}

// storeClient is an S3 client, from the node, of the Managed store of
// namespace ns (its pod's address, its certificate verified) with the
// given keys.
func storeClient(t *testing.T, k kube, ns, access, secret string) (*minio.Client, string) {
	t.Helper()
	st := cityops.ManagedStore(ns)
	hp, err := st.HostPort()
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(hp)
	var pod corev1.Pod
	eventually(t, 2*time.Minute, "the store pod of "+ns+" is Ready", func() (bool, string) {
		if !k.exists("pod", "-n", ns, platform.ObjectStoreName+"-0") {
			return false, "no pod"
		}
		k.get(&pod, "pod", "-n", ns, platform.ObjectStoreName+"-0")
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && pod.DeletionTimestamp == nil {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", pod.Status.Conditions)
	})
	var ca corev1.ConfigMap
	k.get(&ca, "configmap", "-n", ns, platform.CABundleName)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(ca.Data[store.CAField])) {
		t.Fatalf("configmap %s/%s holds no CA", ns, platform.CABundleName)
	}
	tr, err := minio.DefaultTransport(true)
	if err != nil {
		t.Fatal(err)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	cl, err := minio.New(net.JoinHostPort(pod.Status.PodIP, port), &minio.Options{Secure: true, Transport: tr, Region: "us-east-1",
		Creds: credentials.NewStaticV4(access, secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	return cl, st.Bucket
}

// getObject reads one object whole.
func getObject(cl *minio.Client, bucket, key string) ([]byte, error) {
	obj, err := cl.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = obj.Close() }()
	var b bytes.Buffer
	_, err = io.Copy(&b, obj)
	return b.Bytes(), err
}

// versionsWithoutManifest lists bucket under prefix (<department>/) and
// returns every version prefix (<department>/<entry>/<version>/) that
// holds objects but no manifest, and how many versions it saw.
func versionsWithoutManifest(t *testing.T, cl *minio.Client, bucket, prefix string) (missing []string, versions int) {
	t.Helper()
	seen := map[string]bool{}
	for o := range cl.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s/%s: %v", bucket, prefix, o.Err)
		}
		parts := strings.SplitN(o.Key, "/", 4)
		if len(parts) < 4 {
			t.Errorf("%s lies outside a version prefix", o.Key)
			continue
		}
		v := strings.Join(parts[:3], "/") + "/"
		seen[v] = seen[v] || parts[3] == "manifest.json"
	}
	for v, ok := range seen {
		if !ok {
			missing = append(missing, v)
		}
	}
	slices.Sort(missing)
	return missing, len(seen)
}
