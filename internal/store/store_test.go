package store

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func platformOf(name string, role scidatav1.PlatformRole, ext *scidatav1.ExternalObjectStore) *scidatav1.DataPlatform {
	p := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: scidatav1.DataPlatformSpec{
		Role: role, Department: scidatav1.Department{Code: name}, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}}}
	if ext != nil {
		p.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: ext}
	}
	return p
}

// Managed and External stores resolve to the same shape: an endpoint, a
// bucket, a CA and the accounts, each where the manager reads it; the pods'
// mounts are the same names on both.
func TestForDescribesManagedAndExternalStoresAlike(t *testing.T) {
	ext := &scidatav1.ExternalObjectStore{Endpoint: "https://s3.city.example.org", Bucket: "water",
		CredentialsSecret:           scidatav1.SecretKeyReference{Name: "water-upload"},
		CenterReadCredentialsSecret: &scidatav1.SecretKeyReference{Name: "water-read"},
		CASecret:                    &scidatav1.SecretKeyReference{Name: "city-ca"}}
	for _, tc := range []struct {
		name string
		p    *scidatav1.DataPlatform
		want Store
	}{
		{"a Managed department", platformOf("water", scidatav1.RoleDepartment, nil), Store{
			Platform: "water", Role: scidatav1.RoleDepartment, Managed: true,
			Endpoint: "https://objectstore.scidata-water.svc:9000", Bucket: "scidata", PathStyle: true,
			CA: Ref{"scidata-system", "scidata-ca", "tls.crt"},
			Accounts: map[Account]Ref{
				Root: {"scidata-water", "objectstore-root", ""}, Upload: {"scidata-water", "objectstore-upload", ""},
				CenterRead: {"scidata-water", "objectstore-center-read", ""}},
		}},
		{"a Managed Center", platformOf("center", scidatav1.RoleCenter, nil), Store{
			Platform: "center", Role: scidatav1.RoleCenter, Managed: true,
			Endpoint: "https://objectstore.scidata-center.svc:9000", Bucket: "scidata", PathStyle: true,
			CA: Ref{"scidata-system", "scidata-ca", "tls.crt"},
			Accounts: map[Account]Ref{
				Root: {"scidata-center", "objectstore-root", ""}, Upload: {"scidata-center", "objectstore-upload", ""},
				SyncWriter: {"scidata-center", "objectstore-sync", ""}},
		}},
		{"an External department", platformOf("water", scidatav1.RoleDepartment, ext), Store{
			Platform: "water", Role: scidatav1.RoleDepartment,
			Endpoint: "https://s3.city.example.org", Bucket: "water", PathStyle: true,
			CA: Ref{"scidata-system", "city-ca", "ca.crt"},
			Accounts: map[Account]Ref{
				Upload: {"scidata-system", "water-upload", ""}, CenterRead: {"scidata-system", "water-read", ""}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := For(tc.p, "scidata-system")
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("For:\n got %+v\nwant %+v", got, tc.want)
			}
			if m := got.Pods(); m != (Mount{"scidata-" + tc.p.Name, "objectstore-upload", "scidata-ca"}) {
				t.Errorf("the platform's pods mount %+v", m)
			}
		})
	}
}

// The probe's roles: who writes and who may only read, per role.
func TestWriterAndReaderFollowTheRole(t *testing.T) {
	d, c := For(platformOf("water", scidatav1.RoleDepartment, nil), ""), For(platformOf("center", scidatav1.RoleCenter, nil), "")
	if d.Writer() != Upload || d.Reader() != CenterRead || c.Writer() != SyncWriter || c.Reader() != Upload {
		t.Fatalf("department %s/%s, Center %s/%s", d.Writer(), d.Reader(), c.Writer(), c.Reader())
	}
	if d.ProbeKey() != ".scidata-probe/water" {
		t.Errorf("probe key %s", d.ProbeKey())
	}
	if m := d.CenterSource(); m != (Mount{Namespace: "scidata-center", Secret: "read-water"}) {
		t.Errorf("the Center's sync pods read water with %+v", m)
	}
	if m := c.CenterDest(); m != (Mount{"scidata-center", "objectstore-sync", "scidata-ca"}) {
		t.Errorf("the Center's sync pods write with %+v", m)
	}
}

func TestHostPortAndPort(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://s3.city.example.org":      "s3.city.example.org:443",
		"https://s3.city.example.org:8333": "s3.city.example.org:8333",
		"https://10.0.0.5:9000/":           "10.0.0.5:9000",
		"http://s3.city.example.org":       "",
	} {
		st := Store{Endpoint: endpoint}
		got, err := st.HostPort()
		if want == "" {
			if err == nil || st.Port() != 0 {
				t.Errorf("%s: %q accepted", endpoint, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", endpoint, got, err, want)
		}
	}
	if p := (Store{Endpoint: "https://s3.city.example.org"}).Port(); p != 443 {
		t.Errorf("port %d, want 443", p)
	}
}
