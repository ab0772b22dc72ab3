package plugin

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// The access review bound counts in the city's calendar: the first city
// policy by name whose calendar parses; a department's policy sets none.
func TestEvaluateCountsInTheFirstCityCalendarThatParses(t *testing.T) {
	policy := func(ns, name, tz string) scidatav1.SubmissionPolicy {
		return scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: scidatav1.SubmissionPolicySpec{TimeZone: tz}}
	}
	for _, c := range []struct {
		name     string
		policies []scidatav1.SubmissionPolicy
		want     string
	}{
		{"none", nil, "UTC, Monday to Friday"},
		{"a department's policy sets no city calendar", []scidatav1.SubmissionPolicy{policy("scidata-water", "a", "Asia/Shanghai")}, "UTC, Monday to Friday"},
		{"the first by name that parses", []scidatav1.SubmissionPolicy{
			policy(platform.CenterNamespace, "c", "Europe/Paris"), policy(platform.CenterNamespace, "a", "Mars/Olympus"),
			policy(platform.CenterNamespace, "b", "Asia/Shanghai")}, "SubmissionPolicy scidata-center/b (Asia/Shanghai)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cal, name := cityCalendar(c.policies)
			if name != c.want || (cal == nil) != (c.want == "UTC, Monday to Friday") {
				t.Errorf("%q (calendar %v); want %q", name, cal != nil, c.want)
			}
		})
	}
}
