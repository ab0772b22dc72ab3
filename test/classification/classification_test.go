// Package classification walks every classification level, an unset one
// and an unknown value through each consumer of the one order of levels
// (api/v1alpha1/classification.go): the sharing rules, the network
// builder, the Submission builder and the Center's clearance check, the
// sync worker, and the admission rules shipped as YAML (the portal, which
// lists what the sharing rules allow, is walked in internal/portal). Each
// must decide what the order says; none may hold an order of its own.
package classification

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/sharing"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// walk is every level, an unset one and a value no rule knows.
var walk = append(scidatav1.ClassificationLevels(), "", "Restricted")

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// The order itself: five levels, an unset level is Public, an unknown one
// ranks with TopSecret, and classified means above Internal.
func TestTheOrder(t *testing.T) {
	want := map[scidatav1.ClassificationLevel]struct {
		rank       int
		classified bool
	}{
		scidatav1.ClassificationPublic: {0, false}, scidatav1.ClassificationInternal: {1, false},
		scidatav1.ClassificationConfidential: {2, true}, scidatav1.ClassificationSecret: {3, true}, scidatav1.ClassificationTopSecret: {4, true},
		"": {0, false}, "Restricted": {4, true},
	}
	for _, l := range walk {
		if l.Rank() != want[l].rank || l.IsClassified() != want[l].classified {
			t.Errorf("%q: rank %d, classified %v; want %d, %v", l, l.Rank(), l.IsClassified(), want[l].rank, want[l].classified)
		}
	}
}

// An entry is listed, and keeps its attribute, exactly when its level is
// not classified.
func TestSharing(t *testing.T) {
	for _, l := range walk {
		spec := &scidatav1.CatalogEntrySpec{Sharing: scidatav1.Sharing{Mode: scidatav1.SharingConditional},
			Classification: &scidatav1.Classification{Level: l}}
		r := sharing.Compute(spec, t0)
		if r.Classified != l.IsClassified() || r.Listed == l.IsClassified() {
			t.Errorf("level %q: classified %v, listed %v; the order says classified %v", l, r.Classified, r.Listed, l.IsClassified())
		}
	}
	if r := sharing.Compute(&scidatav1.CatalogEntrySpec{Sharing: scidatav1.Sharing{Mode: scidatav1.SharingOpen}}, t0); r.Classified || !r.Listed {
		t.Errorf("an entry without spec.classification is not Public data: %+v", r)
	}
}

func department(max scidatav1.ClassificationLevel) *scidatav1.DataPlatform {
	return &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water"}, Spec: scidatav1.DataPlatformSpec{
		Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "water"}, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")},
		MaxClassification: max}}
}

// A department platform's network rules, for every level it may hold and
// every level the Center is cleared for: the Center's sync pods reach its
// store only when the Center is cleared for it (or it holds nothing
// classified), and a classified platform sends nothing to the Center's
// portal. An unset maxClassification is that field's default, Internal.
func TestNetworkBuilder(t *testing.T) {
	for _, l := range walk {
		eff := l
		if l == "" {
			eff = scidatav1.ClassificationInternal
		}
		p := department(l)
		if got := platform.NamespaceObject(p).Labels[scidatav1.LabelMaxClassification]; got != string(eff) {
			t.Errorf("maxClassification %q: namespace label %q; want %q", l, got, eff)
		}
		for _, center := range walk[:5] {
			net := platform.ClusterNetwork{CenterMax: center}
			names := map[string]bool{}
			for _, np := range platform.NetworkPolicies(p, platform.Config{OperatorNamespace: "scidata-system"}, net) {
				names[*np.GetName()] = true
			}
			cleared := !eff.IsClassified() || eff.Rank() <= center.Rank()
			if platform.CenterCleared(p, net) != cleared || names[platform.PolicyStoreFromSync] != cleared {
				t.Errorf("platform %q, Center %s: cleared %v, sync ingress %v; the order says %v", l, center, platform.CenterCleared(p, net), names[platform.PolicyStoreFromSync], cleared)
			}
			if names[platform.PolicyEgressCenterPortal] == eff.IsClassified() {
				t.Errorf("platform %q: egress to the Center's portal %v; the order says classified %v", l, names[platform.PolicyEgressCenterPortal], eff.IsClassified())
			}
		}
	}
}

// A Submission carries the entry's level (an unset one as Public), and the
// Center takes it only up to its clearance.
func TestSubmission(t *testing.T) {
	for _, l := range walk {
		e := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "flows"},
			Spec: scidatav1.CatalogEntrySpec{Classification: &scidatav1.Classification{Level: l}, Data: scidatav1.DataLocation{ContentVersion: "v1"}}}
		s := submission.ForEntry(e, nil, t0, nil)
		if s.Spec.Classification != l.OrPublic() {
			t.Errorf("entry at %q: submission at %q; want %q", l, s.Spec.Classification, l.OrPublic())
		}
		for _, max := range walk[:5] {
			center := department(max)
			center.Spec.Role = scidatav1.RoleCenter
			if got, want := submission.CenterClears(center, s), l.Rank() <= max.Rank(); got != want {
				t.Errorf("data %q, Center %s: cleared %v; the order says %v", l, max, got, want)
			}
		}
	}
}

// The sync worker refuses what the Center is not cleared for before it
// touches a store, and a level it does not know as a usage error; an unset
// data level is Public, an unset Center level unrestricted.
func TestSyncWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // anything the check lets through stops at the first request
	store := syncer.Store{Endpoint: "https://127.0.0.1:1", Bucket: "scidata", AccessKey: "a", SecretKey: "s"}
	for _, l := range walk {
		for _, max := range append(scidatav1.ClassificationLevels(), "", "Restricted") {
			_, err := syncer.Run(ctx, syncer.Config{Source: store, Dest: store, SourcePrefix: "flows/", Department: "water", Entry: "flows",
				ContentVersion: "v1", Classification: l, CenterMax: max}, nil)
			code := syncer.ExitCode(err)
			want := -1 // neither refused nor a usage error: the check let it through
			switch {
			case !l.Known() || (max != "" && !max.Known()):
				want = syncer.ExitUsage
			case max != "" && l.Rank() > max.Rank():
				want = syncer.ExitClassificationRefused
			}
			refused := code == syncer.ExitUsage || code == syncer.ExitClassificationRefused
			if (want == -1 && refused) || (want != -1 && code != want) {
				t.Errorf("data %q, Center %q: exit %d (%v); want %s", l, max, code, err, map[int]string{-1: "through the check", syncer.ExitUsage: "a usage error", syncer.ExitClassificationRefused: "refused"}[want])
			}
		}
	}
}

// The admission policy that keeps an entry within its platform's level
// writes the order as a CEL map: it must be the Go order, with the same
// meaning of an unset level (Public) and of an unknown one (ranked with
// TopSecret), and the same default for a platform whose level is not on
// its namespace (Internal).
func TestAdmissionPolicyRanks(t *testing.T) {
	vars := policyVariables(t, "catalogentry-platform-namespace.yaml")
	ranks := map[string]int{}
	for _, m := range regexp.MustCompile(`'(\w+)'\s*:\s*(\d+)`).FindAllStringSubmatch(vars["ranks"], -1) {
		n, _ := strconv.Atoi(m[2])
		ranks[m[1]] = n
	}
	want := map[string]int{}
	for _, l := range scidatav1.ClassificationLevels() {
		want[string(l)] = l.Rank()
	}
	if len(ranks) != len(want) {
		t.Fatalf("the policy's ranks %v (from %q); want %v", ranks, vars["ranks"], want)
	}
	for l, r := range want {
		if ranks[l] != r {
			t.Errorf("the policy ranks %s %d; the order ranks it %d", l, ranks[l], r)
		}
	}
	// Until the level is required, the policy must read an unset one as
	// the order does.
	if expr := vars["level"]; strings.Contains(expr, "?") {
		if unset := fallback(t, expr); unset != "'"+string(scidatav1.ClassificationLevel("").OrPublic())+"'" {
			t.Errorf("the policy reads an unset level as %s; the order reads it as Public", unset)
		}
	}
	if unlabelled := fallback(t, vars["maxLevel"]); unlabelled != "'"+string(platform.MaxClassification(&scidatav1.DataPlatform{}))+"'" {
		t.Errorf("the policy reads a platform namespace without its level label as %s; a DataPlatform's maxClassification defaults to %s",
			unlabelled, platform.MaxClassification(&scidatav1.DataPlatform{}))
	}
	var rule string
	for _, v := range policy(t, "catalogentry-platform-namespace.yaml").Spec.Validations {
		if strings.Contains(v.Expression, "variables.ranks[variables.level]") {
			rule = v.Expression
		}
	}
	m := regexp.MustCompile(`variables\.ranks\[variables\.level\]\s*:\s*(\d+)`).FindStringSubmatch(rule)
	if m == nil {
		t.Fatalf("no validation ranks the entry's level: %q", rule)
	}
	if n, _ := strconv.Atoi(m[1]); n != scidatav1.ClassificationLevel("Restricted").Rank() {
		t.Errorf("the policy ranks an unknown level %d; the order ranks it %d (TopSecret)", n, scidatav1.ClassificationLevel("Restricted").Rank())
	}
}

// Every CEL rule of the CRDs that lists the classified levels lists
// exactly those the order calls classified.
func TestCRDRulesNameTheClassifiedLevels(t *testing.T) {
	var classified []string
	for _, l := range scidatav1.ClassificationLevels() {
		if l.IsClassified() {
			classified = append(classified, string(l))
		}
	}
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "scidata.io_catalogentries.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	lists := regexp.MustCompile(`level in \[([^\]]*)\]`)
	found := 0
	var visit func(apiextensionsv1.JSONSchemaProps)
	visit = func(s apiextensionsv1.JSONSchemaProps) {
		for _, r := range s.XValidations {
			for _, m := range lists.FindAllStringSubmatch(r.Rule, -1) {
				found++
				var got []string
				for _, q := range strings.Split(m[1], ",") {
					got = append(got, strings.Trim(strings.TrimSpace(q), "'"))
				}
				if !slices.Equal(got, classified) {
					t.Errorf("rule %q lists %v as classified; the order says %v", r.Rule, got, classified)
				}
			}
		}
		for _, p := range s.Properties {
			visit(p)
		}
		if s.Items != nil && s.Items.Schema != nil {
			visit(*s.Items.Schema)
		}
	}
	for _, v := range crd.Spec.Versions {
		visit(*v.Schema.OpenAPIV3Schema)
	}
	if found == 0 {
		t.Fatal("no CatalogEntry rule lists the classified levels; this test no longer proves anything")
	}
}

func policy(t *testing.T, file string) *admissionregistrationv1.ValidatingAdmissionPolicy {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "admission", file))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var p admissionregistrationv1.ValidatingAdmissionPolicy
		if err := yaml.Unmarshal([]byte(doc), &p); err != nil {
			t.Fatal(err)
		}
		if p.Kind == "ValidatingAdmissionPolicy" {
			return &p
		}
	}
	t.Fatalf("%s holds no ValidatingAdmissionPolicy", file)
	return nil
}

func policyVariables(t *testing.T, file string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, v := range policy(t, file).Spec.Variables {
		vars[v.Name] = v.Expression
	}
	return vars
}

// fallback is the else branch of a CEL conditional "c ? a : b".
func fallback(t *testing.T, expr string) string {
	t.Helper()
	i := strings.LastIndex(expr, ":")
	if i < 0 {
		t.Fatalf("%q is not a conditional", expr)
	}
	return strings.TrimSpace(expr[i+1:])
}
