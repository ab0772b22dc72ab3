package e2e

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"
)

// classifiedDept is config/samples/20-natural-resources.yaml: a department
// whose maxClassification (Confidential) is above Internal, with a Center
// cleared for it.
const (
	classifiedDept = "natural-resources"
	classifiedNS   = "scidata-natural-resources"
	publicNS       = "ingress-nginx" // listed in the Center's spec.network.publicNamespaces
	outsiderNS     = "e2e-outsider"  // listed nowhere
)

// target is a column of DESIGN's table "who may reach whom".
type target struct{ name, host, port string }

var targets = []target{
	{"own store", "", "9000"}, // filled per source
	{"dept store", "objectstore." + deptNS + ".svc.cluster.local", "9000"},
	{"classified store", "objectstore." + classifiedNS + ".svc.cluster.local", "9000"},
	{"Center store", "objectstore." + centerNS + ".svc.cluster.local", "9000"},
	{"Center portal", "portal." + centerNS + ".svc.cluster.local", "8080"},
	{"apiserver", "kubernetes.default.svc.cluster.local", "443"},
	{"DNS", "kube-dns.kube-system.svc.cluster.local", "53"},
	// The city's SeaweedFS on the node's address (filled when measured):
	// the External department's store.
	{"External store", "", ""},
}

// source is a row: a probe pod in a namespace with labels.
type source struct {
	name, ns string
	labels   map[string]string
	// want maps a target's name to true (allow) or false (deny); a target
	// absent from want is not measured from this source.
	want map[string]bool
}

var sources = []source{
	{"department pod", deptNS, nil, map[string]bool{
		"own store": true, "classified store": false, "Center store": false, "Center portal": true, "apiserver": false, "DNS": true,
		"External store": false}},
	// A department on the city's store: its pods reach that store (and
	// no Managed store), on its address and port only.
	{"External dept pod", extNS, nil, map[string]bool{
		"External store": true, "dept store": false, "classified store": false, "Center store": false, "Center portal": true, "apiserver": false, "DNS": true}},
	{"other department's pod", classifiedNS, nil, map[string]bool{
		"own store": true, "dept store": false, "Center store": false, "apiserver": false, "DNS": true,
		// A classified platform has no egress beyond DNS, the apiserver
		// (its portal) and its own namespace.
		"Center portal": false, "External store": false}},
	{"Center sync pod", centerNS, map[string]string{"app.kubernetes.io/component": "sync"}, map[string]bool{
		"own store": true, "dept store": true, "classified store": true, "Center portal": true, "apiserver": false, "DNS": true,
		"External store": true}},
	{"Center pod, not sync", centerNS, nil, map[string]bool{
		"own store": true, "dept store": false, "classified store": false, "Center portal": true, "apiserver": false, "DNS": true,
		"External store": false}},
	// The manager reaches a department's External store for its probe
	// (the operator's namespace has no egress policy).
	{"operator's manager", operatorNS, map[string]string{"app.kubernetes.io/component": "manager"}, map[string]bool{
		"dept store": false, "classified store": false, "Center store": true, "apiserver": true, "DNS": true, "External store": true}},
	{"public namespace pod", publicNS, nil, map[string]bool{
		"dept store": false, "classified store": false, "Center store": false, "Center portal": true}},
	{"unlisted namespace pod", outsiderNS, nil, map[string]bool{
		"dept store": false, "classified store": false, "Center store": false, "Center portal": false}},
}

// probeScript waits until the pod's own traffic is programmed (DNS, which
// every row may reach, answers on TCP), then tries each target once:
// busybox's nc exits 0 when the connection is accepted (and the server
// closes after the empty stdin). A denied connection is refused at once by
// the enforcer; -w bounds one that is dropped.
func probeScript(targets []target) string {
	var b strings.Builder
	b.WriteString("i=0; until nc -w 2 kube-dns.kube-system.svc.cluster.local 53 </dev/null || [ $i -ge 20 ]; do i=$((i+1)); sleep 0.5; done; sleep 2; ")
	for _, t := range targets {
		fmt.Fprintf(&b, "if nc -w 3 %s %s </dev/null; then echo '%s=allow'; else echo '%s=deny'; fi; ", t.host, t.port, t.name, t.name)
	}
	return b.String()
}

// probePod is a restricted busybox pod in ns, labelled app=netprobe and
// labels, that tries one TCP connection to each of targets (probeScript)
// and prints allow or deny for each.
func probePod(name, ns string, labels map[string]string, targets []target) string {
	l := "{app: netprobe"
	for key, v := range labels {
		l += fmt.Sprintf(", %q: %q", key, v)
	}
	l += "}"
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: %s}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: probe
    image: localcluster.scidata.io/busybox:v1
    imagePullPolicy: Never
    command: [sh, -c, %q]
    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`, name, ns, l, probeScript(targets))
}

// networkTruthTable measures every cell with a real TCP connection from a
// real pod and prints the table; expected and measured must agree.
func networkTruthTable(t *testing.T, k kube) {
	for _, ns := range []string{publicNS, outsiderNS} {
		k.run("create", "namespace", ns)
		k.run("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
	}
	type cell struct{ want, got string }
	measured := map[string]map[string]cell{}
	for i, s := range sources {
		var ts []target
		for _, tg := range targets {
			if _, ok := s.want[tg.name]; !ok {
				continue
			}
			switch tg.name {
			case "own store":
				tg.host = "objectstore." + s.ns + ".svc.cluster.local"
			case "External store":
				tg.host, tg.port, _ = net.SplitHostPort(cityStore(t).Endpoint)
			}
			ts = append(ts, tg)
		}
		name := fmt.Sprintf("netprobe-%d", i)
		pod := probePod(name, s.ns, s.labels, ts)
		if out, err := k.try(pod, "apply", "-f", "-"); err != nil {
			t.Fatalf("probe pod %s/%s: %v\n%s", s.ns, name, err, out)
		}
		t.Cleanup(func() { _, _ = k.try("", "delete", "pod", "-n", s.ns, name, "--wait=false") })
		row := map[string]cell{}
		for n, w := range s.want {
			row[n] = cell{want: map[bool]string{true: "allow", false: "deny"}[w], got: "?"}
		}
		measured[s.name] = row
	}
	for i, s := range sources {
		name := fmt.Sprintf("netprobe-%d", i)
		eventually(t, 2*time.Minute, "probe "+s.ns+"/"+name+" finishes", func() (bool, string) {
			p := strings.TrimSpace(k.run("get", "pod", "-n", s.ns, name, "-o", "jsonpath={.status.phase}"))
			return p == "Succeeded" || p == "Failed", p
		})
		for _, l := range strings.Split(strings.TrimSpace(k.run("logs", "-n", s.ns, name)), "\n") {
			n, v, ok := strings.Cut(l, "=")
			if c, known := measured[s.name][n]; ok && known {
				c.got = v
				measured[s.name][n] = c
			}
		}
	}

	// The table, as DESIGN draws it: rows are sources, columns targets.
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-24s", "from \\ to")
	for _, tg := range targets {
		fmt.Fprintf(&b, " | %-16s", tg.name)
	}
	b.WriteString("\n")
	var wrong []string
	for _, s := range sources {
		fmt.Fprintf(&b, "%-24s", s.name)
		for _, tg := range targets {
			c, ok := measured[s.name][tg.name]
			text := "—"
			if ok {
				text = c.got
				if c.got != c.want {
					text = c.got + " (want " + c.want + ")"
					wrong = append(wrong, fmt.Sprintf("%s → %s: measured %s, want %s", s.name, tg.name, c.got, c.want))
				}
			}
			fmt.Fprintf(&b, " | %-16s", text)
		}
		b.WriteString("\n")
	}
	t.Logf("network truth table, measured with real connections from real pods:%s", b.String())
	sort.Strings(wrong)
	if len(wrong) > 0 {
		t.Errorf("%d cells differ from DESIGN's table:\n%s", len(wrong), strings.Join(wrong, "\n"))
	}
}
