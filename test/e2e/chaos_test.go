package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// The rest of the sample city, applied while the manager is killed: with
// the Center, science-technology, natural-resources and the External
// forestry, seven platforms.
var restOfCity = []string{"30-ecology-environment.yaml", "40-meteorology.yaml", "50-water-resources.yaml"}

// managerKilledDuringConvergence applies the rest of the sample city and
// deletes the manager's pod five times at random moments while it
// converges. The city must end as it would have: every platform Ready, one
// Submission per entry and content version, the receipt issued before
// unchanged, no object left without its platform or its Submission.
func managerKilledDuringConvergence(t *testing.T, k kube) {
	name := "selenium-tea-field-trials"
	before := submissionsByEntry(t, k)
	receipt := k.run("get", "submissions", "-n", deptNS, "-o", "jsonpath={.items[?(@.spec.entry.name==\""+name+"\")].status.receipt}")
	if strings.TrimSpace(receipt) == "" {
		t.Fatalf("no receipt for %s before the restarts", name)
	}
	for _, f := range restOfCity {
		if out, err := k.try("", "apply", "--server-side", "-f", filepath.Join("config", "samples", f)); err != nil {
			// The entries wait for their namespaces; applied again below.
			t.Logf("first apply of %s: %s", f, strings.TrimSpace(out))
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := range 5 {
		time.Sleep(time.Duration(500+rng.IntN(4500)) * time.Millisecond)
		// The pod that runs now: the one killed before may still be
		// terminating beside it, and its successor may not exist yet.
		var pod corev1.Pod
		eventually(t, time.Minute, "a manager pod that is not terminating", func() (bool, string) {
			var pods corev1.PodList
			k.get(&pods, "pods", "-n", operatorNS, "-l", "app.kubernetes.io/name=scidata-operator,app.kubernetes.io/component=manager")
			for _, p := range pods.Items {
				if p.DeletionTimestamp == nil {
					pod = p
					return true, ""
				}
			}
			return false, fmt.Sprintf("%d pods, all terminating", len(pods.Items))
		})
		k.run("delete", "pod", "-n", operatorNS, pod.Name, "--wait=false")
		t.Logf("manager pod %s deleted (%d of 5)", pod.Name, i+1)
		if i == 1 {
			for _, f := range restOfCity {
				applyUntilAccepted(t, k, filepath.Join("config", "samples", f))
			}
		}
	}
	if out, err := k.try("", "-n", operatorNS, "rollout", "status", "deployment/"+managerName, "--timeout=120s"); err != nil {
		t.Fatalf("the manager did not come back: %v\n%s", err, out)
	}
	eventually(t, 5*time.Minute, "every platform of the city Ready", func() (bool, string) {
		var list scidatav1.DataPlatformList
		k.get(&list, "dataplatforms")
		var waiting []string
		for _, p := range list.Items {
			if !meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReady) || p.Status.ObservedGeneration != p.Generation {
				waiting = append(waiting, p.Name)
			}
		}
		return len(list.Items) == 7 && len(waiting) == 0, fmt.Sprintf("%d platforms, waiting: %v", len(list.Items), waiting)
	})
	// The policies have seen every entry: wait for their counts to settle.
	eventually(t, 2*time.Minute, "every SubmissionPolicy current", func() (bool, string) {
		var list scidatav1.SubmissionPolicyList
		k.get(&list, "submissionpolicies", "-A")
		for _, p := range list.Items {
			if p.Status.ObservedGeneration != p.Generation || !meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReady) {
				return false, p.Namespace + "/" + p.Name
			}
		}
		return len(list.Items) > 0, ""
	})

	after := submissionsByEntry(t, k)
	for key, names := range after {
		if len(names) != 1 {
			t.Errorf("entry version %s has %d Submissions: %v", key, len(names), names)
		}
	}
	for key, names := range before {
		if fmt.Sprint(after[key]) != fmt.Sprint(names) {
			t.Errorf("Submission of %s changed across the restarts: %v, now %v", key, names, after[key])
		}
	}
	if got := k.run("get", "submissions", "-n", deptNS, "-o", "jsonpath={.items[?(@.spec.entry.name==\""+name+"\")].status.receipt}"); got != receipt {
		t.Errorf("the receipt of %s changed across the restarts:\nbefore %s\nafter  %s", name, receipt, got)
	}
	t.Logf("after 5 manager restarts: %d entry versions, one Submission each", len(after))
	noOrphans(t, k)
	everythingCurrent(t, k)
}

// submissionsByEntry maps namespace/entry@version to its Submissions' names.
func submissionsByEntry(t *testing.T, k kube) map[string][]string {
	var list scidatav1.SubmissionList
	k.get(&list, "submissions", "-A")
	out := map[string][]string{}
	for _, s := range list.Items {
		key := s.Namespace + "/" + s.Spec.Entry.Name + "@" + s.Spec.ContentVersion
		out[key] = append(out[key], s.Name)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// noOrphans: every object labelled for a platform belongs to one that
// exists, and every sync Job to a Submission that exists.
func noOrphans(t *testing.T, k kube) {
	var platforms scidatav1.DataPlatformList
	k.get(&platforms, "dataplatforms")
	exists := map[string]bool{}
	for _, p := range platforms.Items {
		exists[p.Name] = true
	}
	var objs unstructured.UnstructuredList
	k.get(&objs, "statefulsets,deployments,services,networkpolicies,resourcequotas,rolebindings,secrets,configmaps", "-A", "-l", scidatav1.LabelPlatform)
	for _, o := range objs.Items {
		if p := o.GetLabels()[scidatav1.LabelPlatform]; !exists[p] {
			t.Errorf("%s %s/%s belongs to platform %q, which does not exist", o.GetKind(), o.GetNamespace(), o.GetName(), p)
		}
	}
	var jobs unstructured.UnstructuredList
	k.get(&jobs, "jobs", "-n", centerNS, "-l", "app.kubernetes.io/component=sync")
	subs := map[string]bool{}
	var list scidatav1.SubmissionList
	k.get(&list, "submissions", "-A")
	for _, s := range list.Items {
		if s.Status.Transfer != nil {
			subs[s.Status.Transfer.JobName] = true
		}
	}
	for _, j := range jobs.Items {
		if !subs[j.GetName()] {
			t.Errorf("sync Job %s is no Submission's", j.GetName())
		}
	}
	t.Logf("%d platform objects and %d sync Jobs, none orphaned", len(objs.Items), len(jobs.Items))
}

// everythingCurrent: kstatus (what Flux and `kubectl wait` read) calls
// every object of the project's kinds and every owned workload Current.
func everythingCurrent(t *testing.T, k kube) {
	var objs unstructured.UnstructuredList
	k.get(&objs, "dataplatforms,catalogentries,submissionpolicies,statefulsets,deployments", "-A")
	counted := map[string]int{}
	for i := range objs.Items {
		o := &objs.Items[i]
		if o.GetKind() == "Deployment" || o.GetKind() == "StatefulSet" {
			if _, ok := o.GetLabels()[scidatav1.LabelPlatform]; !ok && o.GetNamespace() != operatorNS {
				continue // the node's own workloads
			}
		}
		res, err := kstatus.Compute(o)
		if err != nil {
			t.Errorf("kstatus of %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
			continue
		}
		counted[o.GetKind()]++
		if res.Status != kstatus.CurrentStatus {
			b, _ := json.Marshal(o.Object["status"])
			t.Errorf("%s %s/%s is %s (%s): %s", o.GetKind(), o.GetNamespace(), o.GetName(), res.Status, res.Message, b)
		}
	}
	// Submissions: Current once received; those waiting for a reviewer are
	// InProgress by design (a person must act), which kstatus must say.
	var subs unstructured.UnstructuredList
	k.get(&subs, "submissions", "-A")
	for i := range subs.Items {
		o := &subs.Items[i]
		res, err := kstatus.Compute(o)
		if err != nil {
			t.Errorf("kstatus of Submission %s/%s: %v", o.GetNamespace(), o.GetName(), err)
			continue
		}
		received := strings.Contains(fmt.Sprint(o.Object["status"]), "ReceiptStored")
		if received && res.Status != kstatus.CurrentStatus {
			t.Errorf("received Submission %s/%s is %s: %s", o.GetNamespace(), o.GetName(), res.Status, res.Message)
		}
		if !received && res.Status == kstatus.CurrentStatus {
			t.Errorf("Submission %s/%s waits without a receipt, yet kstatus calls it Current", o.GetNamespace(), o.GetName())
		}
		counted["Submission"]++
	}
	t.Logf("kstatus checked: %v", counted)
}
