package portal

import (
	"testing"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

func TestAccessRightsMapsEffectiveSharingToTheEUAndCOARVocabularies(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		r    sharing.Result
		want string
	}{
		{"Open is PUBLIC", sharing.Result{Mode: scidatav1.SharingOpen}, AccessPublic},
		{"Conditional is RESTRICTED", sharing.Result{Mode: scidatav1.SharingConditional}, AccessRestricted},
		{"Closed is NON_PUBLIC", sharing.Result{Mode: scidatav1.SharingClosed}, AccessNonPublic},
		{"an embargo in force is COAR embargoed access", sharing.Result{Mode: scidatav1.SharingClosed, Embargoed: true, EmbargoUntil: &until}, AccessEmbargoed},
		{"a passed embargo is what the sharing attribute says", sharing.Result{Mode: scidatav1.SharingOpen, EmbargoPassed: true, EmbargoUntil: &until}, AccessPublic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AccessRights(tc.r); got != tc.want {
				t.Errorf("AccessRights = %s; want %s", got, tc.want)
			}
		})
	}
}

func TestPageReadsBoundedPages(t *testing.T) {
	for _, tc := range []struct {
		query   map[string][]string
		n, size int
	}{
		{map[string][]string{}, 1, 5},
		{map[string][]string{"page": {"2"}}, 2, 5},
		{map[string][]string{"pageSize": {"1000"}}, 1, 6},
		{map[string][]string{"page": {"-1"}, "pageSize": {"x"}}, 1, 5},
		{map[string][]string{"page": {"99999999999999999"}}, 1 << 20, 5},
	} {
		n, size := page(tc.query, 5, 6)
		if n != tc.n || size != tc.size {
			t.Errorf("page(%v) = page %d, size %d; want %d, %d", tc.query, n, size, tc.n, tc.size)
		}
	}
}
