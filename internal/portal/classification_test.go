package portal

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The portal lists an entry exactly when the one order of levels
// (api/v1alpha1/classification.go) says it is not classified, for every
// level, an unset one and an unknown value; a classified entry is counted
// by the scorecard and shown nowhere, not even by name. The other
// consumers of the order are walked in test/classification.
func TestThePortalListsWhatTheOrderCallsUnclassified(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, l := range append(scidatav1.ClassificationLevels(), "", "Restricted") {
		it := scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water", Name: "flows", UID: types.UID("u-" + l)},
			Spec: scidatav1.CatalogEntrySpec{Title: "Flows", Sharing: scidatav1.Sharing{Mode: scidatav1.SharingConditional},
				ResponsibleDepartment: scidatav1.Department{Code: "water"}, Classification: &scidatav1.Classification{Level: l}}}
		snap := buildSnapshot([]scidatav1.CatalogEntry{it}, nil, now, nil)
		listed := snap.Find("scidata-water", "flows") != nil
		if listed == l.IsClassified() || (len(snap.Entries) == 1) == l.IsClassified() {
			t.Errorf("level %q: listed %v; the order says classified %v", l, listed, l.IsClassified())
		}
		if len(snap.All) != 1 || snap.All[0].Sharing.Classified != l.IsClassified() {
			t.Errorf("level %q: the scorecard's view %v; want the entry, classified %v", l, snap.All, l.IsClassified())
		}
	}
}
