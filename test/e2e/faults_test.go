package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// The fault Submissions' data set: many small objects, so that a transfer
// lasts seconds (the worker copies a few hundred objects a second here,
// docs/benchmarks.md) while moving under 10 MiB. Every fault entry names
// the same prefix: each is its own Submission with its own destination.
const (
	faultPrefix     = "inventory/plots-2024/"
	faultObjects    = 600
	faultObjectSize = 16 << 10
)

// faultDataSet is the fault data set, the same bytes on every run.
func faultDataSet() map[string]string {
	out := make(map[string]string, faultObjects)
	for i := range faultObjects {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], uint64(i))
		b := make([]byte, faultObjectSize)
		_, _ = rand.NewChaCha8(seed).Read(b)
		out[fmt.Sprintf("plot-%04d.bin", i)] = string(b)
	}
	return out
}

// parallel runs fn on every key of data, eight at a time, and returns the
// errors.
func parallel(data map[string]string, fn func(key, value string) error) []error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, 8)
	for key, value := range data {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(key, value); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// runningSyncPod waits for a pod of the sync Job job that runs and is not
// being deleted, and returns its name.
func runningSyncPod(t *testing.T, k kube, job string) string {
	t.Helper()
	var name string
	eventually(t, 2*time.Minute, "a pod of sync Job "+job+" runs", func() (bool, string) {
		var pods corev1.PodList
		k.get(&pods, "pods", "-n", centerNS, "-l", batchv1.JobNameLabel+"="+job)
		var saw []string
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				name = p.Name
				return true, ""
			}
			saw = append(saw, p.Name+" "+string(p.Status.Phase))
		}
		return false, fmt.Sprint(saw)
	})
	return name
}

// faultsMidTransfer: five Submissions of the External department, each
// hit by one fault while its sync pod is copying: the pod killed, the
// manager's pod deleted, the department's store (the city's SeaweedFS)
// stopped and started again, the apiserver restarted, the Center's store
// pod killed. Each still ends with exactly one Job and one receipt; the
// Center's store holds exactly the manifest's objects under each
// destination, every byte read back matches what the owners uploaded, the
// receipt verifies offline against the manifest; no version in the
// Center's store is listed without its manifest.
func faultsMidTransfer(t *testing.T, k kube) {
	srv := cityStore(t)
	data := faultDataSet()
	began := time.Now()
	start := time.Now()
	up := srv.As(s3test.Upload)
	if errs := parallel(data, func(key, value string) error {
		_, err := up.PutObject(context.Background(), extBucket, faultPrefix+key, strings.NewReader(value), int64(len(value)), minio.PutObjectOptions{})
		return err
	}); len(errs) > 0 {
		t.Fatalf("the owners' upload into the city's store: %v", errs[0])
	}
	t.Logf("the owners put %d objects of %d KiB into the city's store in %.1fs", faultObjects, faultObjectSize>>10, time.Since(start).Seconds())

	// held is, for a store that goes down, an instant at which it was
	// surely down (API times have whole seconds): the sync pod that ran when
	// it went down must have failed and been replaced, or still been running
	// then.
	var storeDown time.Time
	faults := []struct {
		name, entry string
		inject      func(t *testing.T, pod string)
		held        func(t *testing.T) time.Time
	}{
		{"the sync pod is killed", "plots-fault-sync-pod", func(t *testing.T, pod string) {
			k.run("delete", "pod", "-n", centerNS, pod, "--grace-period=1", "--wait=false")
		}, nil},
		{"the manager is restarted", "plots-fault-manager", func(t *testing.T, _ string) {
			k.run("delete", "pod", "-n", operatorNS, managerPod(t, k).Name, "--wait=false")
		}, nil},
		{"the department's store (SeaweedFS) stops and starts again", "plots-fault-dept-store", func(t *testing.T, _ string) {
			srv.Stop()
			storeDown = time.Now()
			srv.Restart(t)
			t.Logf("the city's store answered and took writes again %.1fs after it stopped", time.Since(storeDown).Seconds())
		}, func(*testing.T) time.Time { return storeDown.Add(time.Second) }},
		{"the apiserver restarts", "plots-fault-apiserver", func(t *testing.T, _ string) {
			restartAPIServer(t, k)
		}, nil},
		{"the Center's store pod is killed", "plots-fault-center-store", func(t *testing.T, _ string) {
			k.run("delete", "pod", "-n", centerNS, platform.ObjectStoreName+"-0", "--grace-period=1", "--wait=false")
		}, func(t *testing.T) time.Time {
			// The StatefulSet makes the new pod once the old one is gone.
			var pod corev1.Pod
			k.get(&pod, "pod", "-n", centerNS, platform.ObjectStoreName+"-0")
			return pod.CreationTimestamp.Time
		}},
	}
	flows := make([]flow, len(faults))
	for i, f := range faults {
		flows[i] = flow{dept: extDept, ns: extNS, entry: f.entry, version: extVersion, reviewer: extReviewer, data: data}
		applyDoc(t, k, "CatalogEntry "+f.entry, entryYAML(f.entry, "Permanent inventory plots, 2024 ("+f.entry+")", faultPrefix, extVersion))
	}
	waiting := make([]*scidatav1.Submission, len(flows))
	for i, f := range flows {
		waiting[i] = awaitReview(t, k, f)
	}
	// The sync pod and the manager touch one transfer each: their two
	// transfers run side by side. A store that goes down fails every
	// transfer reading or writing it, a retrying one included (which would
	// spend the Job's retries on two faults): each runs alone.
	hit := make([]string, len(faults)) // the sync pod running when the fault came
	// The apiserver's restart touches every client but no transfer's
	// bytes; it runs alone too, so that what it does is its own.
	for _, phase := range [][]int{{0, 1}, {3}, {4}, {2}} {
		for _, i := range phase {
			approve(t, k, flows[i])
			hit[i] = runningSyncPod(t, k, submission.JobName(waiting[i]))
			at := time.Now()
			faults[i].inject(t, hit[i])
			t.Logf("%s while %s was copying (%.1fs to inject)", faults[i].name, hit[i], time.Since(at).Seconds())
		}
		for _, i := range phase {
			sub := awaitTransferred(t, k, flows[i], 5*time.Minute)
			t.Logf("%s: transferred %.1fs into the step", faults[i].name, time.Since(began).Seconds())
			var job batchv1.Job
			k.get(&job, "job", "-n", centerNS, sub.Status.Transfer.JobName)
			var created corev1.EventList
			k.get(&created, "events", "-n", centerNS, "--field-selector", "involvedObject.kind=Job,involvedObject.name="+job.Name+",reason=SuccessfulCreate")
			t.Logf("%s: transferred; attempts %d; its Job created %d pods: %d failed, %d succeeded", faults[i].name, sub.Status.Transfer.Attempts, len(created.Items), job.Status.Failed, job.Status.Succeeded)
			if i == 0 && len(created.Items) < 2 {
				t.Errorf("the sync pod was killed while copying, yet its Job created %d pod: the kill came after the copy", len(created.Items))
			}
			if faults[i].held != nil && len(created.Items) < 2 {
				// Not replaced: the pod rode the outage out with its
				// retries, so it ended after the store was down.
				held := faults[i].held(t)
				var pod corev1.Pod
				k.get(&pod, "pod", "-n", centerNS, hit[i])
				var ended time.Time
				for _, c := range pod.Status.ContainerStatuses {
					if c.State.Terminated != nil {
						ended = c.State.Terminated.FinishedAt.Time
					}
				}
				t.Logf("%s: %s was not replaced; it ended at %s, the store was down at %s", faults[i].name, hit[i], ended.Format(time.TimeOnly), held.Format(time.TimeOnly))
				if ended.Before(held.Truncate(time.Second)) {
					t.Errorf("%s: %s ended at %s, before the store was down (%s): the fault came after the copy", faults[i].name, hit[i], ended, held)
				}
			}
		}
	}

	subs := make([]*scidatav1.Submission, len(flows))
	for i, f := range flows {
		subs[i] = accept(t, k, f)
	}
	t.Logf("the five accepted and receipted %.1fs into the step", time.Since(began).Seconds())
	start = time.Now()
	cl, bucket := centerStoreClient(t, k)
	for i, sub := range subs {
		dest := sub.Status.Transfer.Destination
		var keys []string
		for o := range cl.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: dest, Recursive: true}) {
			if o.Err != nil {
				t.Fatalf("list %s: %v", dest, o.Err)
			}
			keys = append(keys, strings.TrimPrefix(o.Key, dest))
		}
		want := []string{"manifest.json", "receipt.json"}
		for key := range data {
			want = append(want, key)
		}
		slices.Sort(want)
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("%s: %s holds %d keys, want the %d objects, the manifest and one receipt", faults[i].name, dest, len(keys), len(want))
		}
		manifest, err := getObject(cl, bucket, dest+"manifest.json")
		if err != nil {
			t.Fatalf("%s: the manifest: %v", faults[i].name, err)
		}
		checkManifest(t, string(manifest), data)
		if errs := parallel(data, func(key, value string) error {
			b, err := getObject(cl, bucket, dest+key)
			if err != nil {
				return err
			}
			if sha256.Sum256(b) != sha256.Sum256([]byte(value)) {
				return fmt.Errorf("the Center's store returns %d bytes that are not the %d uploaded", len(b), len(value))
			}
			return nil
		}); len(errs) > 0 {
			t.Errorf("%s: %d objects read back differ, first: %v", faults[i].name, len(errs), errs[0])
		}
		verifyReceipt(t, k, sub, string(manifest), []string{`"by": "` + curator + `"`, `"ObjectsPresent"`})
		t.Logf("%s: one Job, one receipt; %d objects read back byte for byte; the receipt verified offline", faults[i].name, len(data))
	}
	missing, versions := versionsWithoutManifest(t, cl, bucket, extDept+"/")
	if len(missing) > 0 {
		t.Errorf("versions listed in the Center's store without their manifest: %v", missing)
	}
	// One Submission per entry version, one Job per Submission.
	for key, names := range submissionsByEntry(t, k) {
		if strings.HasPrefix(key, extNS+"/") && len(names) != 1 {
			t.Errorf("entry version %s has %d Submissions: %v", key, len(names), names)
		}
	}
	jobs := strings.Fields(k.run("get", "jobs", "-n", centerNS, "-l", scidatav1.LabelDepartment+"="+extDept, "-o", "name"))
	if len(jobs) != len(faults)+1 {
		t.Errorf("%d sync Jobs for %s, want %d (one per Submission): %v", len(jobs), extDept, len(faults)+1, jobs)
	}
	t.Logf("%d versions of %s in the Center's store, each with its manifest; read back and verified in %.1fs", versions, extDept, time.Since(start).Seconds())
}

// leaderLease is the manager's leader election Lease (cmd/manager.go).
const leaderLease = "scidata-operator.scidata.io"

// managerRestartsAllowed is how many restarts of the manager's container
// a fault explained (checkManagerHealth fails on any other).
var managerRestartsAllowed int32

// managerRestarts sums the manager pod's container restarts.
func managerRestarts(t *testing.T, k kube) int32 {
	t.Helper()
	var n int32
	for _, c := range managerPod(t, k).Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

// restartAPIServer stops the node's kube-apiserver and starts it again
// (hack/localcluster restart-apiserver, which returns once /readyz
// answers). The manager renews its leader Lease every 2 s and gives the
// leadership up after 10 s without a renewal: an apiserver away longer
// makes it exit, as controller-runtime does by design so that two leaders
// never act at once, and the kubelet restarts it. That restart is allowed,
// once, only if the manager's previous log says it lost the election.
func restartAPIServer(t *testing.T, k kube) {
	holder := func() (string, time.Time) {
		var l coordinationv1.Lease
		k.get(&l, "lease", "-n", operatorNS, leaderLease)
		if l.Spec.HolderIdentity == nil || l.Spec.RenewTime == nil {
			return "", time.Time{}
		}
		return *l.Spec.HolderIdentity, l.Spec.RenewTime.Time
	}
	leader, _ := holder()
	before := managerRestarts(t, k)
	out, err := run(k.n.root, k.n.tool, "restart-apiserver")
	if err != nil {
		t.Fatalf("restart the apiserver: %v", err)
	}
	back := time.Now()
	t.Log(strings.TrimSpace(out))
	// The leader renews every 2 s: a renewal after the apiserver is back
	// says who leads now, the manager of before or a new process.
	var now string
	eventually(t, 90*time.Second, "the leader Lease is renewed after the apiserver's restart", func() (bool, string) {
		h, renewed := holder()
		now = h
		return h != "" && renewed.After(back.Add(-time.Second)), fmt.Sprintf("holder %q renewed %s", h, renewed)
	})
	if now == leader {
		if after := managerRestarts(t, k); after != before {
			t.Errorf("the manager kept its leadership, yet its container restarted %d times", after-before)
		}
		t.Logf("the manager kept its leadership through the apiserver's restart")
		return
	}
	// A new process leads: the old one gave the leadership up and exited.
	eventually(t, 60*time.Second, "the kubelet reports the manager's restart", func() (bool, string) {
		n := managerRestarts(t, k)
		return n > before, fmt.Sprintf("%d restarts", n)
	})
	if after := managerRestarts(t, k); after != before+1 {
		t.Errorf("the manager restarted %d times during the apiserver's restart, want at most once", after-before)
	}
	prev, _ := k.try("", "-n", operatorNS, "logs", managerPod(t, k).Name, "--previous")
	if !strings.Contains(prev, "leader election lost") {
		t.Errorf("the manager restarted during the apiserver's restart, and not for a lost election:\n%s", tail(prev, 20))
		return
	}
	managerRestartsAllowed++
	t.Logf("the manager gave its leadership up while the apiserver was away (%s led before, %s after) and was restarted once, as designed", leader, now)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
