package portal_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

var (
	t0           = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	embargoUntil = t0.Add(10 * 24 * time.Hour)
)

// secret marks every title and description that must never be served.
const secret = "NEVER-SHOWN"

const (
	waterNS  = "scidata-water-resources"
	surveyNS = "scidata-natural-resources"
)

func base(ns, name, title string) *scidatav1.CatalogEntry {
	dept := scidatav1.Department{Code: "water-resources", Name: "Water Resources Bureau", LocalName: "市水利局"}
	if ns == surveyNS {
		dept = scidatav1.Department{Code: "natural-resources", Name: "Natural Resources Bureau", LocalName: "市自然资源局"}
	}
	return &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title: title, Description: "About " + title + ".", Subject: "Hydrology",
			DataTypes:             []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: dept,
			ProvidingDepartment:   scidatav1.Provider{Name: "Survey Bureau"},
			Data:                  scidatav1.DataLocation{Prefix: name + "/", ContentVersion: "v1"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessDownload, URL: "https://data.example.org/" + name},
		},
	}
}

func secrecyEnd() *metav1.Time { return &metav1.Time{Time: t0.Add(5 * 365 * 24 * time.Hour)} }

// fixtures is a small city: what may be shown, and what must never be.
func fixtures() []*scidatav1.CatalogEntry {
	rain := base(waterNS, "rainfall", "Hourly rainfall at hydrological stations")
	rain.Spec.LocalTitle = "逐时降水量"
	rain.Spec.Keywords = []string{"precipitation", "flood"}
	rain.Spec.Data.Formats = []string{"text/csv"}
	rain.Spec.License = &scidatav1.License{Name: "CC-BY-4.0", URL: "https://creativecommons.org/licenses/by/4.0/"}
	rain.Spec.Citation = "Water Resources Bureau (2024). Hourly rainfall. doi:10.12345/bz.rain"
	rain.Spec.Identifiers = &scidatav1.Identifiers{DOI: "10.12345/bz.rain", CSTR: "CSTR:31253.11.bz.rain"}
	rain.Spec.Contact = &scidatav1.Contact{Name: "Data Office", Email: "data@water.example.org"}
	rain.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZ-2024-01"}

	wells := base(waterNS, "wells", "Groundwater well owners")
	wells.Spec.Subject = "Hydrogeology"
	wells.Spec.DataTypes = []scidatav1.DataType{scidatav1.DataTypeText}
	wells.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Research use, names removed",
		Audience: "universities", ReviewProcedure: "The bureau's data office reviews purpose and safeguards within 15 days",
		Fees: &scidatav1.Fees{Model: scidatav1.FeeFree}}
	wells.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationPublic, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityPersonalInformation}}

	flood := base(waterNS, "flood-model", "Flash flood model runs")
	flood.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(embargoUntil), Reason: scidatav1.EmbargoPaper}

	closed := base(waterNS, "dam-inspections", secret+" dam inspection reports")
	closed.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	closed.Spec.Description = secret + " inspection notes"

	conf := base(surveyNS, "control-points", secret+" geodetic control points")
	conf.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "Cleared units only", ReviewProcedure: "Secrecy office review"}
	conf.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationConfidential, SecrecyPeriodEnd: secrecyEnd()}
	conf.Spec.Keywords = []string{secret}

	top := base(surveyNS, "top", secret+" strategic reserve survey")
	top.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	top.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationTopSecret, SecrecyPeriodEnd: secrecyEnd()}

	landuse := base(surveyNS, "land-use", "Land use survey 2023")
	landuse.Spec.Subject = "Surveying"
	landuse.Spec.DataTypes = []scidatav1.DataType{scidatav1.DataTypeImage}
	landuse.Spec.Identifiers = &scidatav1.Identifiers{CSTR: "CSTR:31253.11.bz.landuse"}

	stray := base("scratch-area", "stray", secret+" entry outside any platform")
	return []*scidatav1.CatalogEntry{rain, wells, flood, closed, conf, top, landuse, stray}
}

// listed is how many fixtures the public views show at t0.
const listed = 4

var setupOnce sync.Once

func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() { createFixtures(t) })
}

func createFixtures(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, ns := range []string{waterNS, surveyNS, "scratch-area"} {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	dp := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water-resources"}, Spec: scidatav1.DataPlatformSpec{
		Role: scidatav1.RoleDepartment, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")},
		Owners:     scidatav1.Owners{Groups: []string{"dept-water-resources-admins"}},
		Department: scidatav1.Department{Code: "water-resources", Name: "Bazhong Municipal Water Resources Bureau", LocalName: "巴中市水利局"}}}
	create(t, dp)
	for _, e := range fixtures() {
		create(t, e)
		// A stale status claiming everything is Open and published: the
		// portal must decide from the spec and its own clock.
		e.Status = scidatav1.CatalogEntryStatus{EffectiveSharing: scidatav1.SharingOpen, SharingReason: "stale",
			Conditions: []metav1.Condition{{Type: scidatav1.ConditionPublished, Status: metav1.ConditionTrue, Reason: "Stale", LastTransitionTime: metav1.NewTime(t0)}}}
		if err := env.Client.Status().Update(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func create(t *testing.T, o client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), o); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// portalFor starts a portal on a cache of the envtest apiserver, with a
// fake clock at t0, served by httptest on loopback.
func portalFor(t *testing.T, namespace string) (*httptest.Server, *clocktesting.FakeClock) {
	t.Helper()
	setup(t)
	want := listed
	if namespace == surveyNS {
		want = 1
	}
	return portalForNamespace(t, namespace, want)
}

// portalForNamespace serves namespace (all when empty) and waits until it
// lists want entries. with changes the server before it starts.
func portalForNamespace(t *testing.T, namespace string, want int, with ...func(*portal.Server)) (*httptest.Server, *clocktesting.FakeClock) {
	t.Helper()
	srv, clk, _ := servePortal(t, namespace, want, with...)
	return srv, clk
}

// servePortal is portalForNamespace that also returns the index.
func servePortal(t *testing.T, namespace string, want int, with ...func(*portal.Server)) (*httptest.Server, *clocktesting.FakeClock, *portal.Index) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := portal.NewCache(env.Config, scheme.New(), namespace, true)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(t0)
	idx := portal.NewIndex(clk, namespace)
	if err := idx.Watch(ctx, c, true); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	s := &portal.Server{Index: idx, Ready: idx.Synced,
		BaseURL: "https://catalog.example.org", Title: "Bazhong Scientific Data Catalog", LocalTitle: "巴中市科学数据资源目录",
		Description: "Datasets of the city's departments.", Publisher: "Bazhong Scientific Data Center", LocalPublisher: "巴中市科学数据中心"}
	for _, w := range with {
		w(s)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	testenv.Eventually(t, 10*time.Second, func() error {
		if err := idx.Synced(); err != nil {
			return err
		}
		var page portal.EntriesPage
		getJSON(t, srv, "/api/v1/entries", &page)
		if page.Total != want {
			return fmt.Errorf("the portal lists %d entries; want %d once the cache has them", page.Total, want)
		}
		return nil
	})
	return srv, clk, idx
}

func get(t *testing.T, srv *httptest.Server, path string) (int, string, http.Header) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}
