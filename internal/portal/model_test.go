package portal

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The search text is memoised per entry version: a new version of an entry
// is searched by its new words, and a renamed department by its new name.
func TestSearchFollowsNewVersionsOfAnEntry(t *testing.T) {
	m := &memo{entries: map[types.UID]memoEntry{}}
	it := scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "a", UID: "u1", ResourceVersion: "1"},
		Spec: scidatav1.CatalogEntrySpec{Title: "Rainfall", Sharing: scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			ResponsibleDepartment: scidatav1.Department{Code: "water", Name: "Water Bureau"}}}
	now := time.Now()
	find := func(q string, names map[string]DepartmentName) int {
		return len(buildSnapshot([]scidatav1.CatalogEntry{it}, names, now, m).Select(Filter{Query: q}))
	}
	if find("rainfall", nil) != 1 {
		t.Fatal("the first version is not found by its title")
	}
	it.Spec.Title, it.ResourceVersion = "Snowfall", "2"
	if find("rainfall", nil) != 0 || find("snowfall", nil) != 1 {
		t.Fatal("a new version is searched by its old title")
	}
	if find("hydrology", map[string]DepartmentName{"water": {Code: "water", Name: "Hydrology Bureau"}}) != 1 {
		t.Fatal("a department's new name is not searchable")
	}
}
