package cityops

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// The tool Job runs in platform namespaces, which enforce restricted.
func TestToolJobMeetsTheRestrictedStandard(t *testing.T) {
	evaluator, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	job := ToolJob("scidata-operator:dev", "scidata-water", "upload", UploadArgs(ManagedStore("scidata-water"), "hydrology/"), "objectstore-upload", "rain")
	for _, r := range evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &job.Spec.Template.Spec) {
		if !r.Allowed {
			t.Errorf("%s: %s", r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
	args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
	for _, want := range []string{"objects put /data --prefix hydrology/", "--endpoint https://objectstore.scidata-water.svc:9000 --bucket scidata", "--ca-file /ca/ca.crt", "--credentials /keys"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	// The keys are mounted 0440: only the pod's fsGroup makes them readable
	// to its non-root user.
	if sc := job.Spec.Template.Spec.SecurityContext; sc.FSGroup == nil || *sc.FSGroup != *sc.RunAsUser {
		t.Errorf("fsGroup %v, want the user's group, or the 0440 keys are unreadable", sc.FSGroup)
	}
	if n := len(job.Spec.Template.Spec.Volumes); n != 3 {
		t.Errorf("%d volumes, want keys, ca and data", n)
	}
}

func TestReviewerRBACAndApproval(t *testing.T) {
	docs := strings.Split(ReviewerRBAC("water-resources", "scidata-water-resources", "li.wei@water"), "\n---\n")
	kinds := []string{}
	for _, d := range docs {
		var o struct {
			Kind     string
			Metadata struct{ Namespace string }
		}
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatalf("%v\n%s", err, d)
		}
		kinds = append(kinds, o.Kind+"@"+o.Metadata.Namespace)
	}
	want := "ClusterRole@ ClusterRoleBinding@ Role@scidata-water-resources RoleBinding@scidata-water-resources"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("kinds %q, want %q", got, want)
	}
	var p struct {
		Status struct {
			Review struct{ Decision, By, At string }
		}
	}
	at := metav1.NewTime(time.Date(2026, 11, 25, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	if err := json.Unmarshal([]byte(ApprovalPatch("li.wei@water", at)), &p); err != nil {
		t.Fatal(err)
	}
	if r := p.Status.Review; r.Decision != "Approved" || r.By != "li.wei@water" || r.At != "2026-11-25T00:00:00Z" {
		t.Fatalf("review %+v", r)
	}
}
