package submission

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fundedEntry is a department's funded entry, covered by its own policy
// and the city's.
func fundedEntry() (*scidatav1.CatalogEntry, []*scidatav1.SubmissionPolicy) {
	accept := metav1.NewTime(t0.Add(90 * 24 * time.Hour))
	e := &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water-resources", Name: "reservoir-levels", UID: types.UID("uid-reservoir-levels"),
			Labels: map[string]string{"scidata.io/funding": "government"}},
		Spec: scidatav1.CatalogEntrySpec{
			ResponsibleDepartment: scidatav1.Department{Code: "water-resources", Name: "Water Resources Bureau"},
			Data:                  scidatav1.DataLocation{Prefix: "hydrology/reservoirs/", ContentVersion: "2024.06"},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationInternal},
			Funding:               &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZ-2024-017", AcceptanceDate: &accept},
		},
	}
	selector := map[string]string{"scidata.io/funding": "government"}
	dept := pol("scidata-water-resources", "funded", ptr.To(false), selector, nil)
	city := pol(centerNS, "city-funded", ptr.To(true), selector, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})
	city.Spec.Deadline = &metav1.Duration{Duration: 720 * time.Hour}
	return e, []*scidatav1.SubmissionPolicy{dept, city}
}

// The whole of a Submission and of its sync Job, as YAML: a reviewer sees
// every change of the record the operator writes and of what it runs.
// `go test ./internal/submission -update` rewrites them.
func TestGolden(t *testing.T) {
	e, covering := fundedEntry()
	s := ForEntry(e, covering, t0, nil)
	for _, g := range []struct {
		file string
		obj  any
	}{
		{"submission.golden.yaml", s},
		{"sync-job.golden.yaml", SyncJob(jobInput())},
	} {
		b, err := yaml.Marshal(g.obj)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/submission -update)", err)
		}
		if string(want) != string(b) {
			t.Errorf("%s is not what the builders build; review the change and run go test ./internal/submission -update", path)
		}
	}
}

// The Submission records the stricter review rule, the earliest deadline,
// the entry's identity and its level; its name is the deterministic one.
func TestForEntry(t *testing.T) {
	e, covering := fundedEntry()
	s := ForEntry(e, covering, t0, nil)
	if s.Name != Name(e.Name, "2024.06") || s.Namespace != e.Namespace || len(s.OwnerReferences) != 0 {
		t.Errorf("submission %s/%s owned by %v", s.Namespace, s.Name, s.OwnerReferences)
	}
	if !s.Spec.ReviewRequired || s.Spec.Policy != centerNS+"/city-funded" || !s.Spec.Deadline.Time.Equal(t0.Add(720*time.Hour)) {
		t.Errorf("review %v, policy %s, deadline %v; want the city's stricter rule and earlier deadline", s.Spec.ReviewRequired, s.Spec.Policy, s.Spec.Deadline)
	}
	if s.Spec.EntryUID != "uid-reservoir-levels" || s.Spec.SourcePrefix != "hydrology/reservoirs/" || s.Spec.Classification != scidatav1.ClassificationInternal {
		t.Errorf("spec %+v", s.Spec)
	}
	for _, unset := range []*scidatav1.Classification{nil, {}} {
		e.Spec.Classification = unset
		if got := ForEntry(e, covering, t0, nil).Spec.Classification; got != scidatav1.ClassificationPublic {
			t.Errorf("an entry with classification %+v is submitted as %q; an unset level is Public", unset, got)
		}
	}
	if !strings.HasPrefix(s.Name, e.Name+"-") || s.Labels[LabelEntry] != e.Name || s.Labels[LabelVersionHash] != VersionHash("2024.06") {
		t.Errorf("labels %v", s.Labels)
	}
}
