package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/backup"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

const (
	backupBucket = "e2e-backups" // the city store grants its accounts e2e-*
	backupWriter = "city-backup-writer"
)

// backupHealth is the department's BackupHealthy condition.
func backupHealth(t *testing.T, k kube) (*scidatav1.DataPlatform, *metav1.Condition) {
	dp := getPlatform(t, k, dept)
	return dp, meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionBackupHealthy)
}

// backupIntoTheCityStore: the department with data is given a backup
// target, a bucket of the city's SeaweedFS (the second S3 engine), on a
// schedule whose firing is this minute: a backup Job runs in the
// department's namespace (reaching the target through its own egress
// rule), copies the bucket and its manifest, and the manager records the
// backup Verified with the manifest digest it read back from SeaweedFS.
// One byte of a backed-up object is then changed in SeaweedFS; the next
// run, asked for by annotation, reads the backup back first and reports
// it Corrupt, naming the object, with an event. spec.backup removed, the
// egress rule and the target account's copy go.
func backupIntoTheCityStore(t *testing.T, k kube) {
	started := time.Now()
	srv := cityStore(t)
	srv.MakeBucket(t, backupBucket)
	doc, err := cityops.YAML(&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: backupWriter, Namespace: operatorNS},
		StringData: map[string]string{platform.AccessKeyField: s3test.Upload.Access, platform.SecretKeyField: s3test.Upload.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	applyDoc(t, k, "the backup writer's Secret", doc)
	host, portText, _ := net.SplitHostPort(srv.Endpoint)
	port, _ := strconv.Atoi(portText)
	now := time.Now().UTC()
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"backup": map[string]any{
		"schedule": fmt.Sprintf("%d %d * * *", now.Minute(), now.Hour()),
		"keep":     2,
		"target": map[string]any{
			"endpoint": "https://" + srv.Endpoint, "bucket": backupBucket,
			"credentialsSecret": map[string]string{"name": backupWriter},
			"caSecret":          map[string]string{"name": extCASecret},
			"network":           map[string]any{"cidrs": []string{host + "/32"}, "ports": []int{port}},
			"clearance":         "Internal",
		}}}})
	k.run("patch", "dataplatform", dept, "--type=merge", "-p", string(patch))

	var first scidatav1.BackupRecord
	eventually(t, 2*time.Minute, "the scheduled backup is Verified", func() (bool, string) {
		dp, c := backupHealth(t, k)
		if c == nil || c.Reason != scidatav1.ReasonBackupVerified || dp.Status.Backup == nil || len(dp.Status.Backup.Backups) == 0 {
			return false, fmt.Sprintf("BackupHealthy %+v, status.backup %+v", c, dp.Status.Backup)
		}
		first = dp.Status.Backup.Backups[0]
		return true, ""
	})
	t.Logf("scheduled backup %s verified %.1fs after spec.backup was set: %d objects, %d bytes, manifest %s",
		first.ID, time.Since(started).Seconds(), *first.Objects, *first.Bytes, ptr.Deref(first.ManifestDigest, ""))
	// The truth table's backup row, measured while the rule exists: the
	// backup pods reached the target (the Job above); another pod of the
	// department does not.
	tgt := []target{{"backup target", host, portText}}
	if got := deptProbe(t, k, "netprobe-backup-other", nil, tgt); got != "deny" {
		t.Errorf("a department pod without the backup label reaches the backup target: %s", got)
	}

	// The manifest in SeaweedFS is the one recorded, and lists the data.
	prefix := syncer.BackupPrefix(dept, first.ID)
	manifest := readCityObject(t, srv, prefix+syncer.ManifestName)
	var m syncer.Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	if digest := receipt.Digest(manifest); digest != ptr.Deref(first.ManifestDigest, "") || int64(len(m.Objects)) != *first.Objects {
		t.Fatalf("the target's manifest (%s, %d objects) is not the one recorded (%s, %d)", digest, len(m.Objects), ptr.Deref(first.ManifestDigest, ""), *first.Objects)
	}
	restoreDrill(t, k, first)

	var victim string
	for _, o := range m.Objects {
		if strings.HasPrefix(o.Path, entryPrefix) && o.Size > 0 {
			victim = prefix + o.Path
		}
	}
	if victim == "" {
		t.Fatalf("the backup lists none of the uploaded data: %+v", m.Objects)
	}

	// One byte changes in SeaweedFS; the next run's check reports it.
	b := readCityObject(t, srv, victim)
	b[len(b)/2] ^= 0x20
	srv.Put(t, backupBucket, victim, b)
	k.run("annotate", "--overwrite", "dataplatform", dept, scidatav1.AnnotationBackupRequested+"=e2e-"+first.ID)
	eventually(t, 90*time.Second, "the changed byte is reported", func() (bool, string) {
		dp, c := backupHealth(t, k)
		v := dp.Status.Backup.LastVerification
		return c != nil && c.Reason == scidatav1.ReasonBackupCorrupt && strings.Contains(c.Message, victim) &&
			v != nil && v.BackupID == first.ID && v.State == scidatav1.BackupCorrupt, fmt.Sprintf("BackupHealthy %+v, lastVerification %+v", c, v)
	})
	out := k.run("get", "events", "-A", "--field-selector", "reason="+scidatav1.ReasonBackupCorrupt+",involvedObject.name="+dept)
	if !strings.Contains(out, victim) {
		t.Errorf("no BackupCorrupt event naming %s:\n%s", victim, out)
	}
	k.run("-n", deptNS, "wait", "--for=condition=Complete", "--timeout=60s", "job/"+backup.JobName(getPlatform(t, k, dept).Status.Backup.LastVerification.RunID))
	t.Logf("the changed byte in %s reported %.1fs after the step began", victim, time.Since(started).Seconds())

	// Without spec.backup, the egress rule and the account's copy go.
	k.run("patch", "dataplatform", dept, "--type=json", "-p", `[{"op":"remove","path":"/spec/backup"}]`)
	k.run("annotate", "dataplatform", dept, scidatav1.AnnotationBackupRequested+"-")
	eventually(t, time.Minute, "the backup's egress and account copy are removed", func() (bool, string) {
		_, errP := k.try("", "get", "networkpolicy", "-n", deptNS, platform.PolicyBackupEgress)
		_, errS := k.try("", "get", "secret", "-n", deptNS, backup.TargetSecretName)
		_, c := backupHealth(t, k)
		return errP != nil && errS != nil && c == nil, fmt.Sprintf("policy err %v, secret err %v, BackupHealthy %+v", errP, errS, c)
	})
	t.Logf("backup step: %.1fs", time.Since(started).Seconds())
}

// restoreDrill asks for a restore drill of the backup just made: a pod in
// a scratch namespace runs a temporary store beside the worker, which
// restores every object from SeaweedFS into it and reads each back
// against the manifest; the drill is Verified with the backup's counts,
// and the scratch namespace is removed by the namespace controller.
func restoreDrill(t *testing.T, k kube, b scidatav1.BackupRecord) {
	t.Helper()
	started := time.Now()
	k.run("annotate", "--overwrite", "dataplatform", dept, scidatav1.AnnotationRestoreDrillRequested+"=e2e-drill-"+b.ID)
	var d *scidatav1.RestoreDrill
	eventually(t, 2*time.Minute, "the restore drill is Verified", func() (bool, string) {
		dp := getPlatform(t, k, dept)
		d = dp.Status.Backup.LastRestoreDrill
		if d == nil || d.State != scidatav1.BackupVerified || d.BackupID != b.ID {
			if d != nil && d.State != scidatav1.BackupRunning {
				t.Fatalf("the drill ended %s: %s", d.State, ptr.Deref(d.Message, ""))
			}
			return false, fmt.Sprintf("lastRestoreDrill %+v", d)
		}
		return dp.Status.Backup.LastSuccessfulRestoreDrill != nil, "no lastSuccessfulRestoreDrill"
	})
	if ptr.Deref(d.Objects, -1) != ptr.Deref(b.Objects, -2) || ptr.Deref(d.Bytes, -1) != ptr.Deref(b.Bytes, -2) {
		t.Errorf("the drill restored %d objects, %d bytes; the backup holds %d, %d", ptr.Deref(d.Objects, 0), ptr.Deref(d.Bytes, 0), ptr.Deref(b.Objects, 0), ptr.Deref(b.Bytes, 0))
	}
	// kubectl get -o wide is the auditors' dashboard: the backup's health
	// and when the latest drill passed.
	out := k.run("get", "dataplatform", dept, "-o", "wide")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) == 2 {
		// kubectl aligns each column at its header's offset; an empty cell
		// (a condition not set) is blank, so cells are read by offset.
		head, row := lines[0], lines[1]
		col := func(name string) string {
			i := strings.Index(head, " "+name+" ")
			if i < 0 || i+1 >= len(row) {
				return ""
			}
			cell := row[i+1:]
			if j := strings.IndexByte(cell, ' '); j >= 0 {
				cell = cell[:j]
			}
			return cell
		}
		if col("BACKUP") != scidatav1.ReasonBackupVerified || col("DRILLED") == "" || col("DRILLED") == "<none>" {
			t.Errorf("kubectl get -o wide after a drill shows BACKUP %q and DRILLED %q:\n%s", col("BACKUP"), col("DRILLED"), out)
		}
	} else {
		t.Errorf("kubectl get -o wide:\n%s", out)
	}
	t.Logf("restore drill %s of backup %s verified %.1fs after it was asked for: %d objects, %d bytes restored and read back", d.ID, b.ID,
		time.Since(started).Seconds(), ptr.Deref(d.Objects, 0), ptr.Deref(d.Bytes, 0))
	ns := ptr.Deref(d.Namespace, "")
	eventually(t, 2*time.Minute, "the scratch namespace is removed", func() (bool, string) {
		out, err := k.try("", "get", "namespace", ns, "-o", "name")
		return err != nil && strings.Contains(out, "NotFound"), "namespace " + ns + ": " + out
	})
	t.Logf("restore drill with its scratch namespace removed: %.1fs", time.Since(started).Seconds())
}

func readCityObject(t *testing.T, srv *s3test.Server, key string) []byte {
	t.Helper()
	obj, err := srv.Root().GetObject(context.Background(), backupBucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = obj.Close() }()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// deptProbe runs a busybox pod in the department's namespace with labels
// that tries one TCP connection to each of targets (probeScript) and
// returns the first one's result, allow or deny.
func deptProbe(t *testing.T, k kube, name string, labels map[string]string, targets []target) string {
	t.Helper()
	pod := probePod(name, deptNS, labels, targets)
	if out, err := k.try(pod, "apply", "-f", "-"); err != nil {
		t.Fatalf("probe pod %s/%s: %v\n%s", deptNS, name, err, out)
	}
	defer func() { _, _ = k.try("", "delete", "pod", "-n", deptNS, name, "--wait=false") }()
	eventually(t, time.Minute, "probe "+deptNS+"/"+name+" finishes", func() (bool, string) {
		p := strings.TrimSpace(k.run("get", "pod", "-n", deptNS, name, "-o", "jsonpath={.status.phase}"))
		return p == "Succeeded" || p == "Failed", p
	})
	for _, line := range strings.Split(k.run("logs", "-n", deptNS, name), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), targets[0].name+"="); ok {
			return v
		}
	}
	t.Fatalf("probe %s/%s printed no result", deptNS, name)
	return ""
}
