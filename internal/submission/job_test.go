package submission

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

func jobInput() JobInput {
	dp := func(name string, role scidatav1.PlatformRole) *scidatav1.DataPlatform {
		return &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: scidatav1.DataPlatformSpec{
			Role: role, Department: scidatav1.Department{Code: name}, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")}}}
	}
	return JobInput{
		Submission: &scidatav1.Submission{ObjectMeta: metav1.ObjectMeta{Namespace: "scidata-water-resources", Name: Name(strings.Repeat("e", 200), "v1")},
			Spec: scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: "rainfall"}, Department: "water-resources-and-hydrology-bureau",
				ContentVersion: "v1", SourcePrefix: "hydrology/", Classification: scidatav1.ClassificationPublic}},
		Center:       dp(scidatav1.CenterName, scidatav1.RoleCenter),
		Source:       store.For(dp("water-resources", scidatav1.RoleDepartment), "scidata-system"),
		Dest:         store.For(dp(scidatav1.CenterName, scidatav1.RoleCenter), "scidata-system"),
		Image:        "scidata-operator:dev",
		BackoffLimit: 3,
	}
}

func TestSyncJob(t *testing.T) {
	in := jobInput()
	j := SyncJob(in)
	if len(j.Name) > 63 || j.Name != JobName(in.Submission) || j.Namespace != platform.CenterNamespace {
		t.Errorf("job %s/%s", j.Namespace, j.Name)
	}
	if j.Spec.Template.Labels[scidatav1.LabelComponent] != platform.ComponentSync {
		t.Error("the sync pods lack the label the department stores admit")
	}
	for k, v := range j.Labels {
		if len(v) > 63 {
			t.Errorf("label %s=%q is longer than a label value may be", k, v)
		}
	}
	rule := j.Spec.PodFailurePolicy.Rules[0]
	if !slices.Contains(rule.OnExitCodes.Values, 14) || slices.Contains(rule.OnExitCodes.Values, 1) {
		t.Errorf("final exit codes %v: the classification refusal is final, a transient failure is retried", rule.OnExitCodes.Values)
	}
	args := strings.Join(j.Spec.Template.Spec.Containers[0].Args, " ")
	for _, want := range []string{"--source-endpoint https://objectstore.scidata-water-resources.svc:9000", "--dest-endpoint https://objectstore.scidata-center.svc:9000", "--source-ca-file /etc/scidata/source/ca.crt", "--dest-ca-file /etc/scidata/ca/ca.crt", "--content-version v1"} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q: %s", want, args)
		}
	}
	evaluator, _ := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	for _, r := range evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &j.Spec.Template.Spec) {
		if !r.Allowed {
			t.Errorf("sync pod is not restricted: %s: %s", r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
}
