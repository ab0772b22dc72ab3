package backup

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func backedUp(mut func(*scidatav1.DataPlatform)) *scidatav1.DataPlatform {
	p := &scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: "water-resources", UID: "uid-water"}, Spec: scidatav1.DataPlatformSpec{
		Role: scidatav1.RoleDepartment, Department: scidatav1.Department{Code: "water-resources"}, Storage: scidatav1.Storage{Size: resource.MustParse("1Gi")},
		Backup: &scidatav1.PlatformBackup{Schedule: "0 2 * * *", Keep: ptr.To[int32](3), Target: scidatav1.BackupTarget{
			Endpoint: "https://10.30.0.7:8333", Bucket: "platform-backups",
			CredentialsSecret: scidatav1.SecretKeyReference{Name: "backup-writer"},
			CASecret:          scidatav1.SecretKeyReference{Name: "city-s3-ca"},
			Network:           &scidatav1.ExternalStoreNetwork{CIDRs: []string{"10.30.0.7/32"}},
			Clearance:         scidatav1.ClassificationInternal}}}}
	if mut != nil {
		mut(p)
	}
	return p
}

func jobInput() JobInput {
	p := backedUp(nil)
	target, _ := store.Target(p, "scidata-system")
	return JobInput{Platform: p, ID: ID(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)),
		Source: store.For(p, "scidata-system"), Target: target, Image: "scidata-operator:dev", BackoffLimit: 3}
}

// The whole backup Job as YAML: a reviewer sees every change of what the
// operator runs. `go test ./internal/backup -update` rewrites it.
func TestGolden(t *testing.T) {
	for file, obj := range map[string]any{
		"backup-job.golden.yaml": Job(jobInput()),
		"verify-job.golden.yaml": VerifyJob(jobInput(), "20261130t020000z"),
	} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", file)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/backup -update)", err)
		}
		if string(want) != string(b) {
			t.Errorf("%s is not what the builder builds; review the change and run go test ./internal/backup -update", path)
		}
	}
}

// The Job is named for its firing, runs in the platform's namespace as a
// backup pod (what the backup egress selects), passes the platform's level
// and the target's clearance for the worker to check again, and meets the
// restricted Pod Security Standard.
func TestBackupJob(t *testing.T) {
	j := Job(jobInput())
	if j.Name != "backup-20261201t020000z" || j.Namespace != "scidata-water-resources" {
		t.Errorf("job %s/%s", j.Namespace, j.Name)
	}
	if j.Spec.Template.Labels[scidatav1.LabelComponent] != "backup" || j.Spec.Template.Labels[LabelBackupID] != "20261201t020000z" {
		t.Errorf("pod labels %v", j.Spec.Template.Labels)
	}
	args := strings.Join(j.Spec.Template.Spec.Containers[0].Args, " ")
	for _, want := range []string{"--source-endpoint https://objectstore.scidata-water-resources.svc:9000", "--dest-endpoint https://10.30.0.7:8333",
		"--dest-bucket platform-backups", "--platform water-resources --backup-id 20261201t020000z", "--classification Internal --center-max-classification Internal",
		"--dest-ca-file /etc/scidata/target/ca.crt"} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q: %s", want, args)
		}
	}
	v := VerifyJob(jobInput(), "20261130t020000z")
	vargs := strings.Join(v.Spec.Template.Spec.Containers[0].Args, " ")
	if v.Name != "verify-20261201t020000z" || !strings.Contains(vargs, "--backup-id 20261130t020000z --verify-backup") || strings.Contains(vargs, "--source") || len(v.Spec.Template.Spec.Volumes) != 1 {
		t.Errorf("verify job %s: %s, volumes %v", v.Name, vargs, v.Spec.Template.Spec.Volumes)
	}
	evaluator, _ := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	for _, pod := range []*batchv1.Job{j, v} {
		for _, r := range evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}, &metav1.ObjectMeta{}, &pod.Spec.Template.Spec) {
			if !r.Allowed {
				t.Errorf("%s pod is not restricted: %s: %s", pod.Name, r.ForbiddenReason, r.ForbiddenDetail)
			}
		}
	}
}

func TestDueStartsAFiringWithinItsGraceAndReportsOneMissedBeyondIt(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	ptrT := func(t time.Time) *time.Time { return &t }
	for _, tc := range []struct {
		name          string
		last          *time.Time
		now           time.Time
		start, missed time.Time
	}{
		{"a new schedule waits for its first firing", nil, at(9, 0), time.Time{}, time.Time{}},
		{"a new schedule starts a firing within its grace", nil, at(2, 3), at(2, 0), time.Time{}},
		{"the firing already acted on is not started again", ptrT(at(2, 0)), at(2, 5), time.Time{}, time.Time{}},
		{"the next firing, on time", ptrT(at(2, 0).AddDate(0, 0, -1)), at(2, 1), at(2, 0), time.Time{}},
		{"the next firing, beyond its grace, is missed", ptrT(at(2, 0).AddDate(0, 0, -1)), at(3, 0), time.Time{}, at(2, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Due("0 2 * * *", tc.last, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Start.Equal(tc.start) || !f.Missed.Equal(tc.missed) || !f.Next.After(tc.now) {
				t.Errorf("start %v missed %v next %v, want start %v missed %v and a next firing after now", f.Start, f.Missed, f.Next, tc.start, tc.missed)
			}
		})
	}
	if _, err := Due("every day", nil, at(2, 0)); err == nil {
		t.Error("a schedule that is not cron was accepted")
	}
}

func TestRetainKeepsTheNewestVerifiedAndRemovesOnlyOlderBackups(t *testing.T) {
	rec := func(id string, st scidatav1.BackupState) scidatav1.BackupRecord {
		return scidatav1.BackupRecord{ID: id, State: st}
	}
	kept, remove := Retain([]scidatav1.BackupRecord{
		rec("20261201t020000z", scidatav1.BackupVerified), rec("20261204t0200z", scidatav1.BackupRunning),
		rec("20261203t0200z", scidatav1.BackupFailed), rec("20261202t0200z", scidatav1.BackupVerified),
		rec("20261130t0200z", scidatav1.BackupVerified), rec("20261129t0200z", scidatav1.BackupFailed),
	}, 2)
	var ids []string
	for _, r := range kept {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, ","); got != "20261204t0200z,20261203t0200z,20261202t0200z,20261201t020000z" {
		t.Errorf("kept %s", got)
	}
	if got := strings.Join(remove, ","); got != "20261130t0200z,20261129t0200z" {
		t.Errorf("removed %s, want the verified backup beyond keep and the failed one older than the kept", got)
	}
}

func TestATargetClearedBelowThePlatformIsRefused(t *testing.T) {
	if err := Cleared(backedUp(nil)); err != nil {
		t.Errorf("an Internal platform into an Internal target: %v", err)
	}
	if err := Cleared(backedUp(func(p *scidatav1.DataPlatform) { p.Spec.MaxClassification = scidatav1.ClassificationSecret })); err == nil {
		t.Error("a Secret platform into an Internal target was allowed")
	}
}
