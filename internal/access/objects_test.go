package access

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func input(managed, usePlatform bool) Input {
	r := request(nil)
	id := GrantID(r.Namespace, r.Name)
	st := Store{Platform: "water-resources", Namespace: "scidata-water-resources", Managed: true,
		Endpoint: "https://objectstore.scidata-water-resources.svc:9000", Bucket: "scidata", PathStyle: true, CA: []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")}
	if !managed {
		st = Store{Platform: "water-resources", Namespace: "scidata-water-resources", Endpoint: "https://s3.storage.example.org:8443", Bucket: "hydro-data", Region: "cn-bazhong-1", PathStyle: true,
			Peers: []platform.Peer{{CIDR: "192.0.2.20/32", Ports: []platform.Port{{Port: 8443, Protocol: corev1.ProtocolTCP}}}}}
	}
	return Input{Request: r, ID: id, Store: st, Access: "GRANTACCESSKEYEXAMPLE", Secret: "grant-secret-example-not-a-real-key-000001",
		Prefix: "hydrology/wells/", ExpiresAt: time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC), UseIsPlatform: usePlatform,
		Image: "scidata-operator:dev", PullPolicy: "IfNotPresent"}
}

// Everything a grant makes, as YAML: a reviewer sees every change of it.
// `go test ./internal/access -update` rewrites the files.
func TestGolden(t *testing.T) {
	for name, in := range map[string]Input{"managed": input(true, true), "external": input(false, true)} {
		objs := []any{GrantSecret(in), CheckJob(in)}
		for _, np := range NetworkPolicies(in) {
			objs = append(objs, np)
		}
		var out strings.Builder
		for _, o := range objs {
			b, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			out.WriteString("---\n")
			out.Write(b)
		}
		path := filepath.Join("testdata", "grant-"+name+".golden.yaml")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/access -update)", err)
		}
		if string(want) != out.String() {
			t.Errorf("%s is not what the builders build; review the change and run go test ./internal/access -update", path)
		}
	}
}

func TestTheGrantsNetworkPathIsItsPodsToTheOwnersStore(t *testing.T) {
	names := func(in Input) (out []string) {
		for _, np := range NetworkPolicies(in) {
			out = append(out, *np.Namespace+"/"+strings.Join(func() (ts []string) {
				for _, pt := range np.Spec.PolicyTypes {
					ts = append(ts, string(pt))
				}
				return
			}(), ","))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   Input
		want string
	}{
		{"a platform namespace of use and a Managed store: egress there, ingress on the store", input(true, true), "scidata-science-technology/Egress scidata-water-resources/Ingress"},
		{"a namespace of use the operator does not isolate: ingress on the store only", input(true, false), "scidata-water-resources/Ingress"},
		{"an External store: egress only, to where its spec says it answers", input(false, true), "scidata-science-technology/Egress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(names(tc.in), " "); got != tc.want {
				t.Errorf("policies %q, want %q", got, tc.want)
			}
		})
	}
	ext := input(false, true)
	ext.Store.Peers = nil
	if got := NetworkPolicies(ext); len(got) != 0 {
		t.Errorf("an External store whose network is not stated got policies %v", got)
	}
}

func TestTheCheckJobIsRestrictedAndCarriesTheGrantsLabel(t *testing.T) {
	in := input(true, true)
	j := CheckJob(in)
	if j.Namespace != in.Request.Spec.UseNamespace || j.Spec.Template.Labels[scidatav1.LabelAccessGrant] != in.ID {
		t.Errorf("the check Job runs in %s with labels %v: it must run in the namespace of use with the grant's label", j.Namespace, j.Spec.Template.Labels)
	}
	evaluator, _ := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	for _, r := range evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &j.Spec.Template.Spec) {
		if !r.Allowed {
			t.Errorf("the check pod is not restricted: %s: %s", r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
	if fg := FileGrant(in); fg.Validate() != nil || fg.Prefix != in.Prefix || !fg.Expires.Equal(in.ExpiresAt) {
		t.Errorf("the store's line of the grant %+v: %v", fg, fg.Validate())
	}
}
