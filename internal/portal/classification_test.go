package portal

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The portal lists an entry exactly when the one order of levels
// (api/v1alpha1/classification.go) says it is not classified, for every
// level, an unset one and an unknown value: a classified entry is shown
// nowhere, not even by name, and counted in no public figure. The other
// consumers of the order are walked in test/classification.
func TestThePortalListsWhatTheOrderCallsUnclassified(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, l := range append(scidatav1.ClassificationLevels(), "", "Restricted") {
		it := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "flows", UID: types.UID("u-" + l)},
			Spec: scidatav1.CatalogEntrySpec{Title: "Flows", Sharing: scidatav1.Sharing{Mode: scidatav1.SharingConditional},
				ResponsibleDepartment: scidatav1.Department{Code: "water"}, Classification: &scidatav1.Classification{Level: l}}}
		x := NewIndex(clocktesting.NewFakeClock(now), "")
		x.OnAdd(it, true)
		listed := x.Find(now, "scidata-water", "flows") != nil
		all := x.Search(now, Filter{}, 0, 10)
		if listed == l.IsClassified() || (all.Total == 1) == l.IsClassified() {
			t.Errorf("level %q: listed %v, %d in search; the order says classified %v", l, listed, all.Total, l.IsClassified())
		}
		if classified(it.Spec.Classification) != l.IsClassified() {
			t.Errorf("level %q: the portal's own guard says classified %v; the order says %v", l, !l.IsClassified(), l.IsClassified())
		}
	}
}
