// Package samplecity runs the sample city (config/samples) end to end on a
// real kube-apiserver: the admission policies admit every sample entry
// into namespaces labelled as the DataPlatform controller will label them,
// the CatalogEntry controller reconciles each one, and the Center's portal
// shows exactly the entries that may be shown.
package samplecity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/controllers"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// now is the sample city's day: before the sample embargo ends (2027-06-30).
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// decodeDir reads every object of the YAML files a kustomization lists.
func decodeDir(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := testenv.ReadKustomization(dir)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// labelPlatformNamespaces creates scidata-<platform> for every DataPlatform,
// labelled as the DataPlatform controller (issue #8) will label it.
func labelPlatformNamespaces(t *testing.T, ctx context.Context) {
	t.Helper()
	var dps scidatav1.DataPlatformList
	if err := env.Client.List(ctx, &dps); err != nil {
		t.Fatal(err)
	}
	for _, dp := range dps.Items {
		role := scidatav1.RoleLabelDepartment
		if dp.Spec.Role == scidatav1.RoleCenter {
			role = scidatav1.RoleLabelCenter
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scidatav1.NamespacePrefix + dp.Name, Labels: map[string]string{
			scidatav1.LabelPlatform: dp.Name, scidatav1.LabelDepartment: dp.Spec.Department.Code,
			scidatav1.LabelRole: role, scidatav1.LabelMaxClassification: string(dp.Spec.MaxClassification),
		}}}
		if err := env.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

// applyCity creates the platforms, their labelled namespaces, the admission
// policies and every other sample, in that order.
func applyCity(t *testing.T, ctx context.Context) []*unstructured.Unstructured {
	t.Helper()
	samples := decodeDir(t, filepath.Join(testenv.RepoRoot(), "config", "samples"))
	for _, o := range samples {
		if o.GetKind() == "DataPlatform" {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The namespaces as the operator makes them, before the policies: once
	// they are in force, only the operator's identity may set these labels.
	labelPlatformNamespaces(t, ctx)
	for _, o := range decodeDir(t, filepath.Join(testenv.RepoRoot(), "config", "admission")) {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// The policy is in force once it refuses an entry outside a platform namespace.
	probe := probeEntry()
	testenv.Eventually(t, 30*time.Second, func() error {
		err := env.Client.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		if err == nil {
			return errors.New("the admission policy is not in force yet (the probe is accepted)")
		}
		if !strings.Contains(err.Error(), "not a data platform namespace") {
			return fmt.Errorf("the admission policy is not in force yet (%w)", err)
		}
		return nil
	})
	var entries []*unstructured.Unstructured
	for _, o := range samples {
		if o.GetKind() == "DataPlatform" {
			continue
		}
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatalf("the admission policy refuses the sample %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
		if o.GetKind() == "CatalogEntry" {
			entries = append(entries, o)
		}
	}
	return entries
}

// probeEntry is a valid entry outside any platform namespace.
func probeEntry() *scidatav1.CatalogEntry {
	e := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "probe"}}
	e.Spec = scidatav1.CatalogEntrySpec{Title: "probe", Description: "probe", Subject: "probe",
		DataTypes:             []scidatav1.DataType{scidatav1.DataTypeTable},
		ResponsibleDepartment: scidatav1.Department{Code: "probe", Name: "probe"},
		ProvidingDepartment:   scidatav1.Provider{Name: "probe"},
		Data:                  scidatav1.DataLocation{Prefix: "p/", ContentVersion: "v1"},
		Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingClosed},
		Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
		AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessOnSite}}
	return e
}

// startController runs the controllers as the installed operator runs
// them: as its ServiceAccount, with its generated RBAC, under the
// admission policies.
func startController(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg, err := env.ManagerConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dns := types.NamespacedName{Namespace: "kube-system", Name: "kube-dns"}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme.New(), Cache: scheme.CacheOptions(dns, "scidata-system"), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := controllers.SetupAll(mgr, controllers.Options{Clock: clocktesting.NewFakeClock(now), Platform: platform.Config{OperatorNamespace: "scidata-system"}, DNSService: dns}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
}

// What the sample city must show on its day: each sample entry's Published
// condition and its duty to submit, decided by hand from the sample YAML.
var published = map[string]string{
	"scidata-science-technology/selenium-tea-field-trials":          "True/ListedUnderEmbargo",
	"scidata-natural-resources/high-precision-survey-results-2023":  "False/Classified",
	"scidata-natural-resources/geohazard-site-inspection-records":   "False/SharingClosed",
	"scidata-ecology-environment/surface-water-quality-raw":         "True/Listed",
	"scidata-ecology-environment/environmental-complaint-records":   "True/Listed",
	"scidata-meteorology/surface-observations-hourly-1981-2020":     "True/Listed",
	"scidata-meteorology/climate-normals-1991-2020":                 "True/Listed",
	"scidata-water-resources/hourly-rainfall-hydrological-stations": "True/Listed",
	"scidata-water-resources/flash-flood-forecasting-model-runs":    "True/Listed",
}

var mandatory = map[string]bool{
	"scidata-science-technology/selenium-tea-field-trials":          true,
	"scidata-natural-resources/high-precision-survey-results-2023":  true,
	"scidata-ecology-environment/surface-water-quality-raw":         true,
	"scidata-water-resources/hourly-rainfall-hydrological-stations": true,
	"scidata-water-resources/flash-flood-forecasting-model-runs":    true,
}

func TestTheSampleCityIsAdmittedReconciledAndPublishedAsItShouldBe(t *testing.T) {
	ctx := context.Background()
	entries := applyCity(t, ctx)
	if len(entries) != len(published) {
		t.Fatalf("config/samples has %d CatalogEntries; this test knows %d: update the table", len(entries), len(published))
	}
	startController(t)
	for _, o := range entries {
		id := o.GetNamespace() + "/" + o.GetName()
		testenv.Eventually(t, 30*time.Second, func() error {
			var e scidatav1.CatalogEntry
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), &e); err != nil {
				return err
			}
			ready, pub := meta.FindStatusCondition(e.Status.Conditions, scidatav1.ConditionReady), meta.FindStatusCondition(e.Status.Conditions, scidatav1.ConditionPublished)
			if ready == nil || ready.Status != metav1.ConditionTrue || pub == nil || e.Status.ObservedGeneration != e.Generation {
				return fmt.Errorf("%s not reconciled yet: %+v", id, e.Status)
			}
			if got := string(pub.Status) + "/" + pub.Reason; got != published[id] {
				return fmt.Errorf("%s: Published %s (%s); want %s", id, got, pub.Message, published[id])
			}
			return nil
		})
	}
	checkDuties(t, entries)
	checkCenterPortal(t, entries)
}

// checkDuties: no sample entry carries a duty label of its own; the
// operator labels each from its facts, and the city's policy, which
// selects on that label, submits exactly the mandatory ones.
func checkDuties(t *testing.T, entries []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	for _, o := range entries {
		id := o.GetNamespace() + "/" + o.GetName()
		if _, ok := o.GetLabels()[scidatav1.LabelDuty]; ok {
			t.Fatalf("the sample %s labels its own duty", id)
		}
		want := scidatav1.DutyLabelNone
		if mandatory[id] {
			want = scidatav1.DutyLabelMandatory
		}
		testenv.Eventually(t, 30*time.Second, func() error {
			var e scidatav1.CatalogEntry
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), &e); err != nil {
				return err
			}
			if got := e.Labels[scidatav1.LabelDuty]; got != want {
				return fmt.Errorf("%s: labelled %s=%q, want %q (status.duty %+v)", id, scidatav1.LabelDuty, got, want, e.Status.Duty)
			}
			var sub scidatav1.Submission
			err := env.Client.Get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: submission.Name(e.Name, e.Spec.Data.ContentVersion)}, &sub)
			switch {
			case mandatory[id] && err != nil:
				return fmt.Errorf("%s is mandatory but has no Submission: %w", id, err)
			case mandatory[id] && !strings.Contains(sub.Spec.Policy, "city-publicly-funded") && !strings.Contains(sub.Spec.Policy, "all-entries"):
				return fmt.Errorf("%s submitted under %s", id, sub.Spec.Policy)
			}
			return nil
		})
	}
	// Every mandatory entry is covered by the city's policy: its status
	// counts them.
	testenv.Eventually(t, 30*time.Second, func() error {
		var p scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: "city-publicly-funded"}, &p); err != nil {
			return err
		}
		if int(p.Status.SelectedEntries) != len(mandatory) {
			return fmt.Errorf("the city's policy covers %d entries, want the %d mandatory ones", p.Status.SelectedEntries, len(mandatory))
		}
		return nil
	})
}

// checkCenterPortal serves the city catalog and checks that its DCAT
// export holds exactly the published samples and no other title.
func checkCenterPortal(t *testing.T, entries []*unstructured.Unstructured) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := portal.NewCache(env.Config, scheme.New(), "", true)
	if err != nil {
		t.Fatal(err)
	}
	idx := portal.NewIndex(clocktesting.NewFakeClock(now), "")
	if err := idx.Watch(ctx, c, true); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	c.WaitForCacheSync(ctx)
	s := &portal.Server{Index: idx,
		BaseURL: "https://data.bazhong.example.org", Title: "Bazhong", Description: "Bazhong", Publisher: "Bazhong Center"}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	testenv.Eventually(t, 10*time.Second, func() error {
		resp, err := srv.Client().Get(srv.URL + "/catalog.jsonld")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, o := range entries {
			id := o.GetNamespace() + "/" + o.GetName()
			title, _, _ := unstructured.NestedString(o.Object, "spec", "title")
			shown := bytes.Contains(body, []byte(title))
			if want := strings.HasPrefix(published[id], "True"); shown != want {
				return fmt.Errorf("%s: in the DCAT export %v; want %v", id, shown, want)
			}
		}
		return nil
	})
}
