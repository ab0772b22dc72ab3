package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

const (
	operatorNS  = "scidata-system"
	managerName = "scidata-operator-manager"
	center      = "center"
	dept        = "science-technology" // config/samples/10-science-technology.yaml
	centerNS    = "scidata-center"
	deptNS      = "scidata-science-technology"
	storeClaim  = "data-objectstore-0" // the StatefulSet's claim template "data", pod 0
)

// kube runs kubectl against the local cluster.
type kube struct {
	t *testing.T
	n *realNode
}

// try runs kubectl and returns its combined output and error.
func (k kube) try(stdin string, args ...string) (string, error) {
	cmd := exec.Command(k.n.kubectl, append([]string{"--kubeconfig", k.n.kubeconfig}, args...)...)
	cmd.Dir = k.n.root
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// run runs kubectl and fails the test on an error.
func (k kube) run(args ...string) string {
	k.t.Helper()
	out, err := k.try("", args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// get reads one object or list as JSON into v.
func (k kube) get(v any, args ...string) {
	k.t.Helper()
	out := k.run(append(append([]string{"get"}, args...), "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		k.t.Fatalf("kubectl get %s: %v", strings.Join(args, " "), err)
	}
}

// exists says whether kubectl get finds the object, failing on any error
// but NotFound.
func (k kube) exists(args ...string) bool {
	k.t.Helper()
	out, err := k.try("", append(append([]string{"get"}, args...), "-o", "name")...)
	if err != nil {
		if strings.Contains(out, "NotFound") || strings.Contains(out, "not found") {
			return false
		}
		k.t.Fatalf("kubectl get %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return true
}

// eventually polls cond every half second until it holds or the timeout
// passes; cond returns whether it holds and what it saw.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %s: not yet; last seen: %s", timeout, what, saw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestE2EOperatorOnARealNode installs the operator as a user would and
// checks, step by step, what it does on a real node. The steps depend on
// each other, so the first that fails ends the test.
func TestE2EOperatorOnARealNode(t *testing.T) {
	n := requireNode(t)
	k := kube{t: t, n: n}
	started := time.Now()
	// Whatever the manager could not do for lack of RBAC or Pod Security
	// shows in its log: any "forbidden" fails the test, whichever step
	// failed first, and so does a restart.
	t.Cleanup(func() { checkManagerHealth(t, k) })
	warmCityStore(t, k)

	steps := []struct {
		name string
		fn   func(t *testing.T, k kube)
	}{
		{"install with kubectl apply --server-side -k config/default; the manager becomes Available", install},
		{"the sample Center and two department platforms (one classified) are applied", applyPlatforms},
		{"platform namespaces enforce the restricted Pod Security Standard", namespacesRestricted},
		{"the NetworkPolicies exist and name the cluster's DNS and apiserver endpoints", networkPolicies},
		{"every platform is Ready because its store and portal pods run and answer", platformsReady},
		{"a department External on the city's SeaweedFS (the node's address) is Stalled naming a missing Secret, Ready once the probe proved its store", externalDepartmentReady},
		{"the network truth table, measured pod to pod, is DESIGN's", networkTruthTable},
		{"the store's claim binds and its volume is set to Retain", claimRetained},
		{"the department uploads data into its store from its own namespace", uploadData},
		{"submission: review, a sync pod copies the bytes into the Center, the receipt verifies and a changed byte does not", submitAndReceive},
		{"a scheduled backup of the department runs into the city's SeaweedFS, verified against its manifest; one changed byte there is reported Corrupt", backupIntoTheCityStore},
		{"the External department's owners upload from their namespace into SeaweedFS", externalUpload},
		{"its submission: reviewed, accepted, a sync pod copies from SeaweedFS into the Managed Center, the receipt verifies and a changed byte does not", externalSubmitAndReceive},
		{"projects: one ready for acceptance with its signed statement, one not ready saying which entry is missing", projectsAtAcceptance},
		{"kubectl scidata status, trace and project read the real city", pluginReadsTheCity},
		{"conditional access: a pod of another department cannot read the entry; after review its grant's pods read that prefix only, read-only, the store not restarted; at its expiry a minute later, the store refuses the credential, the network the connection, and nothing is left", accessGrantEndToEnd},
		{"hibernating the department scales its store and portal to zero (Ready False Hibernated, the claim Bound); resumed, it is Ready and every byte reads back", hibernateAndResume},
		{"kubectl delete namespace of a platform is refused, naming the DataPlatform", namespaceDeleteRefused},
		{"deleting the department's DataPlatform (retention Retain) keeps the namespace and its data", deleteRetains},
		{"a DataPlatform of the same name and department adopts what was kept", adopt},
		{"the data uploaded before the deletion is readable after adoption", dataSurvives},
		{"faults in the middle of transfers (the sync pod, the manager, the department's store, the apiserver, the Center's store): one receipt each, every byte verified, nothing listed without its manifest", faultsMidTransfer},
		{"the rest of the city converges while the manager is killed five times; nothing duplicated or orphaned; everything Current", managerKilledDuringConvergence},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { s.fn(t, kube{t: t, n: n}) }) {
			return
		}
	}
	t.Logf("operator end to end: %.1fs after the node was up", time.Since(started).Seconds())
}

func install(t *testing.T, k kube) {
	start := time.Now()
	k.run("apply", "--server-side", "-k", "config/default")
	k.run("wait", "--for=condition=Established", "--timeout=60s", "crd/dataplatforms.scidata.io", "crd/catalogentries.scidata.io", "crd/submissionpolicies.scidata.io", "crd/submissions.scidata.io", "crd/projects.scidata.io")
	if out, err := k.try("", "-n", operatorNS, "wait", "--for=condition=Available", "--timeout=120s", "deployment/"+managerName); err != nil {
		t.Fatalf("the manager did not become Available: %v\n%s\n%s", err, out, k.run("get", "events", "-n", operatorNS))
	}
	t.Logf("manager Available %.1fs after apply", time.Since(start).Seconds())

	pod := managerPod(t, k)
	if sa := pod.Spec.ServiceAccountName; sa != managerName {
		t.Errorf("the manager runs as ServiceAccount %q, want %q", sa, managerName)
	}
	// The image was loaded into the node, not pulled from anywhere.
	var events corev1.EventList
	k.get(&events, "events", "-n", operatorNS, "--field-selector", "involvedObject.name="+pod.Name)
	for _, e := range events.Items {
		if e.Reason == "Pulling" {
			t.Errorf("the kubelet pulled the manager's image (%s): it must come from the loaded tarball", e.Message)
		}
	}
	var ns corev1.Namespace
	k.get(&ns, "namespace", operatorNS)
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace %s enforces Pod Security %q, want restricted", operatorNS, got)
	}
}

func managerPod(t *testing.T, k kube) corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	k.get(&pods, "pods", "-n", operatorNS, "-l", "app.kubernetes.io/name=scidata-operator,app.kubernetes.io/component=manager")
	if len(pods.Items) != 1 {
		t.Fatalf("want one manager pod, found %d", len(pods.Items))
	}
	return pods.Items[0]
}

// checkManagerHealth fails on anything the manager was refused and on any
// restart of it (a crash).
func checkManagerHealth(t *testing.T, k kube) {
	out, err := k.try("", "-n", operatorNS, "logs", "deployment/"+managerName, "--all-containers")
	if err != nil {
		t.Errorf("manager logs: %v\n%s", err, out)
		return
	}
	var refused []string
	retried := map[string]int{} // reconcile errors, retried with backoff
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(strings.ToLower(l), "forbidden") {
			refused = append(refused, l)
		}
		var entry struct{ Msg, Error string }
		if json.Unmarshal([]byte(l), &entry) == nil && entry.Msg == "Reconciler error" {
			retried[entry.Error]++
		}
	}
	// Errors that were retried are not failures by themselves (a status
	// write that lost a race with the cache is retried), but they are
	// shown, so that a new kind of them is noticed.
	for e, n := range retried {
		t.Logf("the manager retried %d times after: %s", n, e)
	}
	if len(refused) > 0 {
		t.Errorf("the manager was refused %d times (RBAC or admission); fix its RBAC markers (make manifests) or manifests:\n%s", len(refused), strings.Join(refused, "\n"))
	}
	var pods corev1.PodList
	if out, err := k.try("", "get", "pods", "-n", operatorNS, "-o", "json"); err == nil && json.Unmarshal([]byte(out), &pods) == nil {
		for _, p := range pods.Items {
			var restarts int32
			for _, c := range p.Status.ContainerStatuses {
				restarts += c.RestartCount
			}
			// A fault that explained a restart allows it (the apiserver's).
			if restarts > managerRestartsAllowed {
				for _, c := range p.Status.ContainerStatuses {
					t.Errorf("the manager's container %s/%s restarted %d times (%d explained by a fault); last state %+v", p.Name, c.Name, c.RestartCount, managerRestartsAllowed, c.LastTerminationState)
				}
			}
		}
	}
}

// applyUntilAccepted applies a sample file as GitOps would, again until it
// is accepted: its namespaced objects wait for the namespace the operator
// makes for the platform.
func applyUntilAccepted(t *testing.T, k kube, file string) {
	t.Helper()
	eventually(t, 90*time.Second, "kubectl apply --server-side -f "+file+" is accepted", func() (bool, string) {
		out, err := k.try("", "apply", "--server-side", "-f", file)
		return err == nil, out
	})
}

func applyPlatforms(t *testing.T, k kube) {
	start := time.Now()
	applyUntilAccepted(t, k, filepath.Join("config", "samples", "00-center.yaml"))
	t.Logf("the Center's sample accepted in %.1fs", time.Since(start).Seconds())
	start = time.Now()
	applyUntilAccepted(t, k, filepath.Join("config", "samples", "10-science-technology.yaml"))
	t.Logf("the department's sample accepted in %.1fs", time.Since(start).Seconds())
	// A classified department, for the network truth table.
	applyUntilAccepted(t, k, filepath.Join("config", "samples", "20-natural-resources.yaml"))
}

func namespacesRestricted(t *testing.T, k kube) {
	for platform, name := range map[string]string{center: centerNS, dept: deptNS} {
		var ns corev1.Namespace
		k.get(&ns, "namespace", name)
		if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
			t.Errorf("namespace %s: pod-security.kubernetes.io/enforce=%q, want restricted", name, got)
		}
		if got := ns.Labels[scidatav1.LabelPlatform]; got != platform {
			t.Errorf("namespace %s: %s=%q, want %q", name, scidatav1.LabelPlatform, got, platform)
		}
		if ns.Status.Phase != corev1.NamespaceActive {
			t.Errorf("namespace %s is %s", name, ns.Status.Phase)
		}
	}
	// Under that standard the apiserver admitted the pods the operator
	// built: the store's pod and the portal's exist in both namespaces.
	for _, ns := range []string{centerNS, deptNS} {
		eventually(t, 60*time.Second, "the object store and portal pods exist in "+ns, func() (bool, string) {
			var pods corev1.PodList
			k.get(&pods, "pods", "-n", ns)
			components := map[string]bool{}
			for _, p := range pods.Items {
				components[p.Labels[scidatav1.LabelComponent]] = true
			}
			return components["object-store"] && components["portal"], fmt.Sprint(components)
		})
		var events corev1.EventList
		k.get(&events, "events", "-n", ns, "--field-selector", "reason=FailedCreate")
		for _, e := range events.Items {
			t.Errorf("%s: %s %s: %s", ns, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message)
		}
	}
}

func networkPolicies(t *testing.T, k kube) {
	want := map[string][]string{
		centerNS: {"allow-dns", "allow-same-platform", "default-deny", "egress-to-upstream", "objectstore-from-manager", "objectstore-to-apiserver", "portal-ingress", "portal-to-apiserver", "sync-to-department-stores"},
		// The Center is cleared for Confidential, the department holds
		// at most Internal: the Center's sync pods may reach its store.
		deptNS: {"allow-dns", "allow-same-platform", "default-deny", "egress-to-center-portal", "objectstore-from-center-sync", "objectstore-to-apiserver", "portal-to-apiserver"},
	}
	dns := endpointPeers(t, k, "kube-system", "kube-dns")
	apiserver := endpointPeers(t, k, "default", "kubernetes")
	for ns, names := range want {
		var list networkingv1.NetworkPolicyList
		eventually(t, 30*time.Second, "the NetworkPolicies of "+ns, func() (bool, string) {
			k.get(&list, "networkpolicies", "-n", ns)
			var got []string
			for _, np := range list.Items {
				got = append(got, np.Name)
			}
			slices.Sort(got)
			return slices.Equal(got, names), fmt.Sprint(got)
		})
		for _, np := range list.Items {
			switch np.Name {
			case "default-deny":
				if len(np.Spec.PodSelector.MatchLabels)+len(np.Spec.PodSelector.MatchExpressions) != 0 || len(np.Spec.Ingress)+len(np.Spec.Egress) != 0 || len(np.Spec.PolicyTypes) != 2 {
					t.Errorf("%s/default-deny does not deny everything both ways: %+v", ns, np.Spec)
				}
			case "allow-dns":
				checkEgressTo(t, ns, np, dns)
			case "portal-to-apiserver", "objectstore-to-apiserver":
				checkEgressTo(t, ns, np, apiserver)
			}
		}
	}
}

// endpointPeers is what a Service's EndpointSlices show on this node: host
// processes, so "<address>/32 <port>/<protocol>" strings.
func endpointPeers(t *testing.T, k kube, ns, svc string) []string {
	t.Helper()
	var slices_ discoveryv1.EndpointSliceList
	k.get(&slices_, "endpointslices", "-n", ns, "-l", discoveryv1.LabelServiceName+"="+svc)
	var peers []string
	for _, s := range slices_.Items {
		for _, ep := range s.Endpoints {
			for _, a := range ep.Addresses {
				for _, p := range s.Ports {
					peers = append(peers, fmt.Sprintf("%s/32 %d/%s", a, *p.Port, *p.Protocol))
				}
			}
		}
	}
	if len(peers) == 0 {
		t.Fatalf("the %s/%s Service has no endpoints on this node", ns, svc)
	}
	slices.Sort(peers)
	return slices.Compact(peers)
}

func checkEgressTo(t *testing.T, ns string, np networkingv1.NetworkPolicy, want []string) {
	t.Helper()
	var got []string
	for _, e := range np.Spec.Egress {
		for _, to := range e.To {
			if to.IPBlock == nil {
				continue
			}
			for _, p := range e.Ports {
				got = append(got, fmt.Sprintf("%s %s/%s", to.IPBlock.CIDR, p.Port.String(), *p.Protocol))
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(slices.Compact(got), want) {
		t.Errorf("%s/%s allows egress to %v; the cluster's endpoints are %v", ns, np.Name, got, want)
	}
}

var reasonRE = regexp.MustCompile(`^[A-Z][A-Za-z]*$`)

// saneConditions checks what every condition must be, whatever its state.
func saneConditions(t *testing.T, dp *scidatav1.DataPlatform) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range dp.Status.Conditions {
		where := fmt.Sprintf("%s condition %s", dp.Name, c.Type)
		if seen[c.Type] {
			t.Errorf("%s appears twice", where)
		}
		seen[c.Type] = true
		if c.Status != metav1.ConditionTrue && c.Status != metav1.ConditionFalse {
			t.Errorf("%s: status %q", where, c.Status)
		}
		if !reasonRE.MatchString(c.Reason) {
			t.Errorf("%s: reason %q is not CamelCase", where, c.Reason)
		}
		if c.ObservedGeneration != dp.Generation {
			t.Errorf("%s: observedGeneration %d, generation %d", where, c.ObservedGeneration, dp.Generation)
		}
		if c.LastTransitionTime.IsZero() {
			t.Errorf("%s: no lastTransitionTime", where)
		}
		msg := c.Message
		if len(strings.TrimSpace(msg)) < 10 {
			t.Errorf("%s: message %q says nothing", where, msg)
		}
		for _, bad := range []string{"%!", "<nil>", "&{", "0x", "\n", "stacktrace", "panic"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: message %q contains %q", where, msg, bad)
			}
		}
	}
}

func getPlatform(t *testing.T, k kube, name string) *scidatav1.DataPlatform {
	t.Helper()
	var dp scidatav1.DataPlatform
	k.get(&dp, "dataplatform", name)
	return &dp
}

// platformsReady: every platform comes Ready because its pods really run
// and answer: the store's pod is Ready only when its bootstrap sidecar has
// made the bucket and its policy through the S3 server itself, and the
// portal's pods answer their readiness probe.
func platformsReady(t *testing.T, k kube) {
	for _, name := range []string{center, dept, classifiedDept} {
		ns := "scidata-" + name
		start := time.Now()
		var dp *scidatav1.DataPlatform
		eventually(t, 3*time.Minute, name+" is Ready", func() (bool, string) {
			dp = getPlatform(t, k, name)
			return dp.Status.ObservedGeneration == dp.Generation && meta.IsStatusConditionTrue(dp.Status.Conditions, scidatav1.ConditionReady),
				fmt.Sprintf("%+v", dp.Status.Conditions)
		})
		t.Logf("%s Ready after %.1fs more", name, time.Since(start).Seconds())
		saneConditions(t, dp)
		for typ, want := range map[string]metav1.ConditionStatus{
			scidatav1.ConditionReady:           metav1.ConditionTrue,
			scidatav1.ConditionStorageReady:    metav1.ConditionTrue,
			scidatav1.ConditionPortalReady:     metav1.ConditionTrue,
			scidatav1.ConditionNetworkIsolated: metav1.ConditionTrue,
		} {
			c := meta.FindStatusCondition(dp.Status.Conditions, typ)
			if c == nil || c.Status != want {
				t.Errorf("%s: %s is %+v, want %s", name, typ, c, want)
			}
		}
		// kstatus: Current means neither Reconciling nor Stalled is True.
		for _, typ := range []string{scidatav1.ConditionReconciling, scidatav1.ConditionStalled} {
			if meta.IsStatusConditionTrue(dp.Status.Conditions, typ) {
				t.Errorf("%s: %s is True while Ready: %+v", name, typ, meta.FindStatusCondition(dp.Status.Conditions, typ))
			}
		}
		if got := dp.Status.Namespace; got != ns {
			t.Errorf("%s: status.namespace %q", name, got)
		}
		if dp.Status.Endpoints.ObjectStore != "https://objectstore."+ns+".svc:9000" || dp.Status.Endpoints.Portal == "" {
			t.Errorf("%s: endpoints %+v", name, dp.Status.Endpoints)
		}
		if dp.Status.Storage == nil || dp.Status.Storage.IsZero() {
			t.Errorf("%s: status.storage is empty though the claim is bound", name)
		}
		// The truth on the node: every container of the store's pod ready
		// (the S3 server and its bootstrap sidecar), and the portal's pods.
		var pod corev1.Pod
		k.get(&pod, "pod", "-n", ns, "objectstore-0")
		statuses := append(append([]corev1.ContainerStatus{}, pod.Status.ContainerStatuses...), pod.Status.InitContainerStatuses...)
		for _, c := range statuses {
			switch {
			case c.Name == "store-init":
				if c.State.Terminated == nil || c.State.Terminated.ExitCode != 0 {
					t.Errorf("%s/objectstore-0: store-init %+v, want terminated with 0", ns, c.State)
				}
			case !c.Ready:
				t.Errorf("%s/objectstore-0: container %s not ready: %+v", ns, c.Name, c.State)
			}
		}
		var pods corev1.PodList
		k.get(&pods, "pods", "-n", ns, "-l", scidatav1.LabelComponent+"=portal")
		readyPods := 0
		for _, p := range pods.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					readyPods++
				}
			}
		}
		if readyPods == 0 {
			t.Errorf("PortalReady is True in %s, but no portal pod is Ready", ns)
		}
	}
}

// claimRetained: with local-path's WaitForFirstConsumer the claim binds
// when the store's pod is scheduled; the operator then sets Retain on the
// volume.
func claimRetained(t *testing.T, k kube) {
	for _, name := range []string{center, dept} {
		ns := "scidata-" + name
		eventually(t, 60*time.Second, "claim "+ns+"/"+storeClaim+" Bound on a Retain volume", func() (bool, string) {
			var pvc corev1.PersistentVolumeClaim
			k.get(&pvc, "pvc", "-n", ns, storeClaim)
			if pvc.Status.Phase != corev1.ClaimBound {
				return false, "claim " + string(pvc.Status.Phase)
			}
			var pv corev1.PersistentVolume
			k.get(&pv, "pv", pvc.Spec.VolumeName)
			return pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRetain,
				fmt.Sprintf("volume %s reclaim policy %s", pv.Name, pv.Spec.PersistentVolumeReclaimPolicy)
		})
	}
	if !k.exists("secret", "-n", centerNS, "read-"+dept) {
		t.Errorf("the Center has no copy of %s's read-only account (secret %s/read-%s)", dept, centerNS, dept)
	}
}

func namespaceDeleteRefused(t *testing.T, k kube) {
	out, err := k.try("", "delete", "namespace", deptNS, "--wait=false")
	if err == nil {
		t.Fatalf("kubectl delete namespace %s was accepted: %s", deptNS, out)
	}
	for _, says := range []string{"scidata-platform-namespace-protection", "DataPlatform " + dept, "cannot be deleted directly"} {
		if !strings.Contains(out, says) {
			t.Errorf("the refusal %q does not say %q", out, says)
		}
	}
	var ns corev1.Namespace
	k.get(&ns, "namespace", deptNS)
	if ns.DeletionTimestamp != nil {
		t.Errorf("namespace %s is being deleted", deptNS)
	}
}

func deleteRetains(t *testing.T, k kube) {
	var pvc corev1.PersistentVolumeClaim
	k.get(&pvc, "pvc", "-n", deptNS, storeClaim)
	claimUID, volume := pvc.UID, pvc.Spec.VolumeName

	start := time.Now()
	k.run("delete", "dataplatform", dept, "--timeout=90s")
	t.Logf("DataPlatform %s deleted (finalizer done) in %.1fs", dept, time.Since(start).Seconds())

	var ns corev1.Namespace
	k.get(&ns, "namespace", deptNS)
	if ns.DeletionTimestamp != nil || ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("namespace %s is %s (deletion %v): retention Retain keeps it", deptNS, ns.Status.Phase, ns.DeletionTimestamp)
	}
	if ns.Labels[scidatav1.LabelRetained] != "true" {
		t.Errorf("namespace %s is not labelled %s=true: %v", deptNS, scidatav1.LabelRetained, ns.Labels)
	}
	k.get(&pvc, "pvc", "-n", deptNS, storeClaim)
	if pvc.UID != claimUID || pvc.DeletionTimestamp != nil || pvc.Status.Phase != corev1.ClaimBound {
		t.Errorf("claim %s/%s: uid %s (was %s), deletion %v, phase %s: retention Retain keeps it bound", deptNS, storeClaim, pvc.UID, claimUID, pvc.DeletionTimestamp, pvc.Status.Phase)
	}
	if pvc.Labels[scidatav1.LabelRetained] != "true" {
		t.Errorf("claim %s is not labelled %s=true", storeClaim, scidatav1.LabelRetained)
	}
	var pv corev1.PersistentVolume
	k.get(&pv, "pv", volume)
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || pv.Status.Phase != corev1.VolumeBound {
		t.Errorf("volume %s: %s, %s", volume, pv.Spec.PersistentVolumeReclaimPolicy, pv.Status.Phase)
	}
	for _, s := range []string{"objectstore-root", "objectstore-upload", "objectstore-center-read", "objectstore-tls"} {
		if !k.exists("secret", "-n", deptNS, s) {
			t.Errorf("secret %s/%s is gone: retention Retain keeps the store's credentials and certificate", deptNS, s)
		}
	}
	// The workloads stop; the Center's copy of the read-only account goes.
	eventually(t, 60*time.Second, "the store and the portal of "+dept+" stopped, the Center's copy of its account removed", func() (bool, string) {
		left := []string{}
		for _, o := range [][]string{{"statefulset", "-n", deptNS, "objectstore"}, {"deployment", "-n", deptNS, "portal"}, {"secret", "-n", centerNS, "read-" + dept}} {
			if k.exists(o...) {
				left = append(left, strings.Join(o, " "))
			}
		}
		return len(left) == 0, fmt.Sprint(left)
	})
	var events corev1.EventList
	k.get(&events, "events", "-A", "--field-selector", "involvedObject.kind=DataPlatform,involvedObject.name="+dept+",reason=Deleted")
	found := false
	for _, e := range events.Items {
		if strings.Contains(e.Message, "kept namespace "+deptNS) && strings.Contains(e.Message, storeClaim) {
			found = true
		}
	}
	if !found {
		t.Errorf("no Deleted event of %s names what was kept: %+v", dept, events.Items)
	}
	// The namespace is still the platform's, so still protected.
	if out, err := k.try("", "delete", "namespace", deptNS, "--wait=false"); err == nil {
		t.Errorf("the retained namespace %s was deleted by kubectl: %s", deptNS, out)
	}
}

func adopt(t *testing.T, k kube) {
	var pvc corev1.PersistentVolumeClaim
	k.get(&pvc, "pvc", "-n", deptNS, storeClaim)
	applyUntilAccepted(t, k, filepath.Join("config", "samples", "10-science-technology.yaml"))
	eventually(t, 60*time.Second, dept+" adopts the retained namespace", func() (bool, string) {
		dp := getPlatform(t, k, dept)
		return dp.Status.Adopted && dp.Status.ObservedGeneration == dp.Generation, fmt.Sprintf("%+v", dp.Status)
	})
	var ns corev1.Namespace
	eventually(t, 30*time.Second, "the retained label leaves "+deptNS, func() (bool, string) {
		k.get(&ns, "namespace", deptNS)
		_, still := ns.Labels[scidatav1.LabelRetained]
		return !still, fmt.Sprint(ns.Labels)
	})
	// The store runs again on the very claim that was kept.
	eventually(t, 60*time.Second, "the object store of "+dept+" runs again on the kept claim", func() (bool, string) {
		var sts appsv1.StatefulSet
		if !k.exists("statefulset", "-n", deptNS, "objectstore") {
			return false, "no StatefulSet"
		}
		k.get(&sts, "statefulset", "-n", deptNS, "objectstore")
		var pod corev1.Pod
		if !k.exists("pod", "-n", deptNS, "objectstore-0") {
			return false, "no pod"
		}
		k.get(&pod, "pod", "-n", deptNS, "objectstore-0")
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == storeClaim {
				return true, ""
			}
		}
		return false, fmt.Sprintf("pod volumes %+v", pod.Spec.Volumes)
	})
	var after corev1.PersistentVolumeClaim
	k.get(&after, "pvc", "-n", deptNS, storeClaim)
	if after.UID != pvc.UID {
		t.Errorf("claim %s was replaced (uid %s, was %s)", storeClaim, after.UID, pvc.UID)
	}
	saneConditions(t, getPlatform(t, k, dept))
}
