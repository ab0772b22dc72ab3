package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The small scale run (make test-scale): ten platforms and 1,000 entries
// on simulated nodes converge, with the manager as its own ServiceAccount;
// nothing is written in a steady window of a full resync, nor after a
// restart. It asserts what is right, never how fast: the figures it
// prints are for reading.
func TestScaleSmallCityConvergesAndWritesNothingWhenSteady(t *testing.T) {
	if os.Getenv("SCIDATA_SCALE") != "1" {
		t.Skip("set SCIDATA_SCALE=1 (make test-scale) to run a small city on the machine's local cluster with simulated nodes; it queues for the machine like the e2e")
	}
	// As the harness's main does: the clients' errors, nothing more.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	res, err := runScale(ctx, scaleOptions{
		Platforms: 10, EntriesPerPlatform: 100, Workers: 8, SyncPeriod: 20 * time.Second, Quiet: 10 * time.Second, Nodes: 2,
		Wait: 20 * time.Minute, ConvergeTimeout: 8 * time.Minute, Out: os.Stderr,
	})
	if err != nil {
		t.Fatal(err) // not converged within the bound, or the manager failed
	}
	res.table(os.Stderr)
	if n := res.quiet.total(); n != 0 {
		t.Errorf("the manager wrote %d times in the quiet window after convergence: %s", n, strings.Join(res.quiet.byResource(), ", "))
	}
	if n := res.steady.total(); n != 0 {
		t.Errorf("the manager wrote %d times in a steady window of a full resync: %s", n, strings.Join(res.steady.byResource(), ", "))
	}
	if n := res.restart.total(); n != 0 {
		t.Errorf("the manager wrote %d times after a restart: %s", n, strings.Join(res.restart.byResource(), ", "))
	}
	if res.conv.total() == 0 || res.steadyReconciles["catalogentry"] < 1000 {
		t.Errorf("the run proves nothing: %d writes by convergence, %v reconciles in the steady window", res.conv.total(), res.steadyReconciles)
	}
}

// The generated city keeps the admission rules a department's YAML meets
// (docs/admission.md): platforms named for their department, owners that
// are people's groups, every entry classified and within its platform's
// clearance, conditions and review procedures where sharing needs them, no
// embargo on closed data, a project for public funding, a URL for
// downloads.
func TestTheCityMeetsTheAdmissionRules(t *testing.T) {
	ct, err := buildCity(testenv.RepoRoot(), citySpec{Departments: 29, EntriesPerPlatform: 100, StorageSize: "10Gi", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(ct.Platforms) != 30 || ct.entryCount() != 3000 || ct.Policy.Name != "city-publicly-funded" {
		t.Fatalf("%d platforms, %d entries, policy %q", len(ct.Platforms), ct.entryCount(), ct.Policy.Name)
	}
	mix := map[string]int{}
	for _, dp := range ct.Platforms {
		if dp.Spec.Role == scidatav1.RoleDepartment && dp.Name != dp.Spec.Department.Code {
			t.Errorf("platform %s is not named for its department %s", dp.Name, dp.Spec.Department.Code)
		}
		if len(dp.Name) > 55 || len(dp.Spec.Owners.Groups)+len(dp.Spec.Owners.Users) == 0 {
			t.Errorf("platform %s: name too long or no owners", dp.Name)
		}
		for _, g := range append(dp.Spec.Owners.Groups, dp.Spec.Owners.Users...) {
			if strings.HasPrefix(g, "system:") {
				t.Errorf("platform %s names a system: owner %s", dp.Name, g)
			}
		}
		for _, e := range ct.Entries[dp.Name] {
			checkEntry(t, dp, e)
			mix[string(e.Spec.Sharing.Mode)+"/"+string(e.Spec.Classification.Level)]++
			if e.Spec.Sharing.Embargo != nil {
				mix["embargoed"]++
			}
		}
	}
	for _, want := range []string{"Open/Public", "Conditional/Public", "Conditional/Internal", "Closed/Internal", "Closed/Confidential", "embargoed"} {
		if mix[want] == 0 {
			t.Errorf("the city has no %s entry: %v", want, mix)
		}
	}
	if f := float64(ct.Covered) / float64(ct.entryCount()); f < 0.5 || f > 0.9 {
		t.Errorf("%.0f%% of the entries are publicly funded; a city's catalog has most, not all", 100*f)
	}
}

// The city's policy (the sample city's) runs the Center's metadata gates
// before the transfer: an entry that fails one is Returned, not awaiting
// review, and the run would never converge. Every covered entry of the
// generated city passes every gate, completeness included.
func TestEveryCoveredEntryPassesTheCitysMetadataGates(t *testing.T) {
	ct, err := buildCity(testenv.RepoRoot(), citySpec{Departments: 29, EntriesPerPlatform: 100, StorageSize: "10Gi", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	terms := submission.AcceptanceTermsOf([]*scidatav1.SubmissionPolicy{ct.Policy})
	if terms == nil || len(terms.MetadataGates) == 0 {
		t.Fatalf("the sample city's policy has no metadata gates (%+v): this test checks nothing", terms)
	}
	checked := 0
	for _, es := range ct.Entries {
		for _, e := range es {
			if !covers(e) {
				continue
			}
			checked++
			for _, g := range submission.MetadataGates(terms, &e.Spec, completeness.Score(&e.Spec).Score, 1) {
				if !g.Passed {
					t.Errorf("%s/%s fails the gate %s: %s", e.Namespace, e.Name, g.Name, g.Message)
				}
			}
		}
	}
	if checked != ct.Covered {
		t.Errorf("checked %d covered entries, the city counts %d", checked, ct.Covered)
	}
}

// prefixPattern is spec.data.prefix's pattern in the CatalogEntry CRD
// (api/v1alpha1/catalogentry_types.go).
var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_.-][A-Za-z0-9_./-]*$`)

func checkEntry(t *testing.T, dp *scidatav1.DataPlatform, e *scidatav1.CatalogEntry) {
	t.Helper()
	sp := e.Spec
	where := e.Namespace + "/" + e.Name
	switch {
	case !prefixPattern.MatchString(sp.Data.Prefix):
		t.Errorf("%s has data prefix %q, which the CRD's pattern refuses", where, sp.Data.Prefix)
	case e.Namespace != platform.Namespace(dp) || sp.ResponsibleDepartment.Code != dp.Spec.Department.Code:
		t.Errorf("%s is not in its department's platform namespace", where)
	case sp.Classification == nil || sp.Classification.Level == "":
		t.Errorf("%s states no classification level", where)
	case !sp.Classification.Level.Within(dp.Spec.MaxClassification):
		t.Errorf("%s is %s on a platform cleared for %s", where, sp.Classification.Level, dp.Spec.MaxClassification)
	case sp.Classification.Level.IsClassified() && (sp.Sharing.Mode == scidatav1.SharingOpen || sp.Classification.SecrecyPeriodEnd == nil):
		t.Errorf("%s is classified but Open or without a secrecy period", where)
	case len(sp.Classification.Sensitivities) > 0 && sp.Sharing.Mode == scidatav1.SharingOpen:
		t.Errorf("%s is sensitive and Open", where)
	case sp.Sharing.Mode == scidatav1.SharingConditional && sp.Sharing.Conditions == "":
		t.Errorf("%s is Conditional without conditions", where)
	case sp.Sharing.Mode == scidatav1.SharingConditional && len(sp.Classification.Sensitivities) > 0 && sp.Sharing.ReviewProcedure == "":
		t.Errorf("%s shares sensitive data without a review procedure", where)
	case sp.Sharing.Mode == scidatav1.SharingClosed && sp.Sharing.Embargo != nil:
		t.Errorf("%s is Closed under an embargo", where)
	case sp.Sharing.Embargo != nil && sp.Sharing.Embargo.Until.After(time.Now().AddDate(3, 0, 0)):
		t.Errorf("%s is embargoed beyond three years", where)
	case sp.Funding != nil && (sp.Funding.Source == scidatav1.FundingGovernment || sp.Funding.Source == scidatav1.FundingMixed) && sp.Funding.ProjectID == "":
		t.Errorf("%s is publicly funded without a project", where)
	case sp.AccessMethod.Type == scidatav1.AccessDownload && sp.AccessMethod.URL == "":
		t.Errorf("%s is a download without a URL", where)
	case len(e.Name) > 63 || len(sp.ResponsibleDepartment.Code) > 40:
		t.Errorf("%s: name or code too long", where)
	}
}

// The plan names 21 responsible departments; the city bench runs them all,
// each under its own code.
func TestThePlansDepartments(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range planDepartments {
		if seen[d.code] || len(d.code) > 40 || d.localName == "" {
			t.Errorf("department %+v: duplicate, too long or without its name in the plan", d)
		}
		seen[d.code] = true
	}
	if len(planDepartments) != 21 {
		t.Errorf("%d departments; the plan lists 21", len(planDepartments))
	}
	plan, err := os.ReadFile("/work/shared/seed/bazhong-scientific-data-plan.zh.txt")
	if err != nil {
		t.Skip("the seed plan is not on this machine")
	}
	for _, d := range planDepartments {
		if !strings.Contains(string(plan), strings.TrimPrefix(d.localName, "巴中")) {
			t.Errorf("the plan does not name %s", d.localName)
		}
	}
}

// Writes are counted per identity from the audit log, by resource,
// subresource and verb; a server-side apply that created its object counts
// as a creation, leader election is left out, and a partial last line is
// left for the next read.
func TestAuditCountsOneIdentitysWrites(t *testing.T) {
	line := func(user, verb, resource, sub, ns, name string, code int) string {
		return fmt.Sprintf(`{"kind":"Event","verb":%q,"user":{"username":%q},"objectRef":{"resource":%q,"subresource":%q,"namespace":%q,"name":%q,"apiVersion":"v1"},"responseStatus":{"code":%d}}`+"\n",
			verb, user, resource, sub, ns, name, code)
	}
	log := line(managerUser, "patch", "namespaces", "", "scidata-a", "scidata-a", 201) +
		line(managerUser, "patch", "namespaces", "", "scidata-a", "scidata-a", 200) +
		line(managerUser, "patch", "catalogentries", "status", "scidata-a", "e1", 200) +
		line(managerUser, "patch", "catalogentries", "status", "scidata-a", "e1", 409) +
		line(managerUser, "create", "events", "", "scidata-a", "e1.1", 201) +
		line(managerUser, "update", "leases", "", operatorNamespace, "scidata-operator.scidata.io", 200) +
		// The Event a stopping manager sends as it releases its Lease, cut
		// off by its exit: the audit names no object.
		line(managerUser, "create", "events", "", operatorNamespace, "", 500) +
		line(managerUser, "get", "secrets", "", "scidata-a", "s", 200) +
		line("kubernetes-admin", "create", "catalogentries", "", "scidata-a", "e2", 201) +
		`{"kind":"Event","verb":"create"`
	w, n, err := countWrites(strings.NewReader(log), managerUser, leaderElection)
	if err != nil {
		t.Fatal(err)
	}
	if w.total() != 5 || w.failed() != 1 || w.Skipped != 2 {
		t.Errorf("%d writes (%d refused, %d skipped): %v; want 5, 1, 2", w.total(), w.failed(), w.Skipped, w.byResource())
	}
	if got := len(w.Created[resourceRef{Version: "v1", Resource: "namespaces"}]); got != 1 || w.Created[resourceRef{Version: "v1", Resource: "namespaces"}][0].Namespace != "" {
		t.Errorf("created namespaces %v; want the one applied, cluster-scoped", w.Created)
	}
	if len(w.Changed) != 2 {
		t.Errorf("changed %v; want the namespace and the entry's status, once each", w.Changed)
	}
	if int(n) != len(log)-len(`{"kind":"Event","verb":"create"`) {
		t.Errorf("read %d bytes; want the whole lines only", n)
	}
}

// Latency quantiles come from controller-runtime's histogram as
// Prometheus' histogram_quantile reads it.
func TestHistogramQuantile(t *testing.T) {
	s, err := parseMetrics(strings.NewReader(`# TYPE controller_runtime_reconcile_time_seconds histogram
controller_runtime_reconcile_time_seconds_bucket{controller="catalogentry",le="0.01"} 50
controller_runtime_reconcile_time_seconds_bucket{controller="catalogentry",le="0.1"} 90
controller_runtime_reconcile_time_seconds_bucket{controller="catalogentry",le="1"} 100
controller_runtime_reconcile_time_seconds_bucket{controller="catalogentry",le="+Inf"} 100
controller_runtime_reconcile_time_seconds_sum{controller="catalogentry"} 4
controller_runtime_reconcile_time_seconds_count{controller="catalogentry"} 100
`))
	if err != nil {
		t.Fatal(err)
	}
	h := s.histogram("controller_runtime_reconcile_time_seconds", "controller", "catalogentry")
	if p50, p99 := h.quantile(0.5), h.quantile(0.99); math.Abs(p50-0.01) > 1e-9 || math.Abs(p99-0.91) > 1e-9 {
		t.Errorf("p50 %v, p99 %v; want 0.01 and 0.91", p50, p99)
	}
	if !math.IsNaN((histogram{}).quantile(0.5)) {
		t.Error("an empty histogram has a quantile")
	}
}

func TestEtcdPrefixEnd(t *testing.T) {
	if got := string(prefixEnd([]byte("/registry/a/"))); got != "/registry/a0" {
		t.Errorf("prefixEnd = %q", got)
	}
}

func TestFloorNames(t *testing.T) {
	for in, want := range map[string]string{"scidata-center": "floor-center", "scidata-water": "floor-water", "pv-1": "floor-pv-1"} {
		if got := floorName(in); got != want {
			t.Errorf("floorName(%s) = %s; want %s", in, got, want)
		}
	}
	if long := floorName("scidata-" + strings.Repeat("a", 70)); len(long) > 63 {
		t.Errorf("floorName gives %d characters", len(long))
	}
}
