package external

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/store"
	"github.com/scidata-io/scidata-operator/internal/storetest"
)

// objects lists every key of bucket, as root.
func objects(t *testing.T, srv *s3test.Server, bucket string) []string {
	t.Helper()
	var keys []string
	for o := range srv.Root().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}

// A city whose Center sits on the city's S3 (SeaweedFS) takes submissions
// from a department on the same S3 (a bucket of its own), from one on
// another engine (versitygw playing a second city store), and from a
// Managed department, all the same way: the real worker runs with each
// Job's own arguments, the manager reads each manifest back from the
// Center's External bucket and signs, and every receipt verifies offline.
// Each platform's data stays in its own bucket, and the operator writes
// nothing outside the buckets the specs name.
func TestACityOnManagedAndExternalStoresSubmitsWithReceipts(t *testing.T) {
	ctx := context.Background()
	centerStore := seaweedCity(t, "center")
	cnames := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "center", centerStore.srv, centerStore.writer, centerStore.reader)
	center := externalPlatform(scidatav1.CenterName, scidatav1.RoleCenter, centerStore, cnames)
	center.Spec.MaxClassification = scidatav1.ClassificationConfidential
	createPlatform(t, center)
	waitReady(t, scidatav1.CenterName)

	forestStore := seaweedCity(t, "forest")
	fnames := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "forest", forestStore.srv, forestStore.writer, forestStore.reader)
	forest := externalPlatform("forest", scidatav1.RoleDepartment, forestStore, fnames)
	createPlatform(t, forest)
	lakeStore := versityCity(t, "lake")
	lnames := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "lake", lakeStore.srv, lakeStore.writer, lakeStore.reader)
	lake := externalPlatform("lake", scidatav1.RoleDepartment, lakeStore, lnames)
	createPlatform(t, lake)
	water := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"}, Spec: scidatav1.DataPlatformSpec{
		Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "water", Name: "Water"},
		Owners: scidatav1.Owners{Groups: []string{"water-admins"}}, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}}}
	createPlatform(t, water)
	waitReady(t, "forest")
	waitReady(t, "lake")
	waterStore := storetest.ManagedStore(t, env.Client, get(t, "water"), operatorNamespace)

	forestStore.srv.Put(t, forestStore.bucket, "trees/2024/plots.csv", []byte("plot,height\n1,21.5\n"))
	lakeStore.srv.Put(t, lakeStore.bucket, "levels/2024/gauge.csv", []byte("gauge,m\nA,3.2\n"))
	waterStore.Put(t, store.For(water, operatorNamespace).Bucket, "rain/2024/hourly.csv", []byte("station,mm\nB,0.4\n"))

	cs, err := centerstore.Open(ctx, env.Client, get(t, scidatav1.CenterName), operatorNamespace, storetest.Dial)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from   string
		dept         *scidatav1.DataPlatform
		entry, files string
	}{
		{"External to External on one city store", "forest", forest, "trees", "trees/2024/"},
		{"External to External across two engines", "lake", lake, "levels", "levels/2024/"},
		{"Managed to External", "water", water, "rain", "rain/2024/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := submit(t, get(t, tc.from), tc.entry, tc.files)
			payload := storetest.AssertReceipted(t, env.Client, got, cs, controllers.ReceiptName)
			if payload.Objects != 1 || !strings.HasPrefix(got.Status.Transfer.Destination, tc.from+"/"+tc.entry+"/v1/") {
				t.Errorf("receipt of %d objects into %s", payload.Objects, got.Status.Transfer.Destination)
			}
		})
	}

	t.Run("each platform's data stays in its own bucket", func(t *testing.T) {
		want := map[string][]string{
			centerStore.bucket: {"forest/trees/v1/manifest.json", "forest/trees/v1/plots.csv", "forest/trees/v1/receipt.json",
				"lake/levels/v1/gauge.csv", "lake/levels/v1/manifest.json", "lake/levels/v1/receipt.json",
				centerstore.KeySetKey, // the receipts' key set, beside them
				"water/rain/v1/hourly.csv", "water/rain/v1/manifest.json", "water/rain/v1/receipt.json"},
			forestStore.bucket: {"trees/2024/plots.csv"},
		}
		for bucket, keys := range want {
			if got := objects(t, centerStore.srv, bucket); strings.Join(got, " ") != strings.Join(keys, " ") {
				t.Errorf("bucket %s holds %v, want %v", bucket, got, keys)
			}
		}
		if got := objects(t, lakeStore.srv, lakeStore.bucket); strings.Join(got, " ") != "levels/2024/gauge.csv" {
			t.Errorf("bucket %s holds %v", lakeStore.bucket, got)
		}
		buckets, err := lakeStore.srv.Root().ListBuckets(ctx)
		if err != nil || len(buckets) != 1 {
			t.Errorf("the second store holds buckets %v (%v): the operator made one", buckets, err)
		}
	})

	t.Run("the sync pods reach the departments' External stores; each platform its own", func(t *testing.T) {
		var sync networkingv1.NetworkPolicy
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.PolicySyncEgress}, &sync); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range sync.Spec.Egress {
			for _, to := range r.To {
				if to.IPBlock != nil {
					for _, p := range r.Ports {
						seen[fmt.Sprintf("%s:%s", to.IPBlock.CIDR, p.Port.String())] = true
					}
				}
			}
		}
		for _, st := range []cityStore{forestStore, lakeStore} {
			_, port, _ := strings.Cut(st.srv.Endpoint, ":")
			if !seen["127.0.0.1/32:"+port] {
				t.Errorf("the Center's sync pods may not reach %s: %v", st.srv.Endpoint, seen)
			}
		}
		for _, ns := range []string{platform.CenterNamespace, platform.Namespace(forest), platform.Namespace(lake)} {
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: platform.PolicyStoreEgress}, &networkingv1.NetworkPolicy{}); err != nil {
				t.Errorf("%s's pods have no egress to their External store: %v", ns, err)
			}
		}
		var owners corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.SyncCredentialsName}, &owners); err != nil || string(owners.Data[platform.AccessKeyField]) != centerStore.writer.Access {
			t.Errorf("the sync Jobs' copy of the Center's writer: %v", err)
		}
	})
}
