// Command demo runs the sample city on a real local node, end to end:
//
//	make demo        # builds what it needs, then: go run ./hack/demo
//	make demo-down   # stops the node and undoes its host changes
//
// It brings up the node with the operator's and the object store's images
// loaded, installs the operator from config/default as a user would,
// applies the sample city (config/samples) and shows which platforms are
// Ready and why the others are not. Then two departments load data into
// their stores from their own namespaces, a reviewer of each approves the
// Submissions that the Center's policy made, sync Job pods copy the bytes
// into the Center, and signed receipts appear. It prints `kubectl get` of
// every kind, forwards the Center's portal to a local URL and waits; Ctrl-C
// stops the forward and the node. With --exit it stops right after
// printing, leaving the node up (make demo-down stops it).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

// dataset is sample data a department loads for one of its entries in
// config/samples, and the reviewer who approves its submission.
type dataset struct {
	department, entry, prefix, version, reviewer string
	files                                        map[string]string
}

var datasets = []dataset{
	{"science-technology", "selenium-tea-field-trials", "agronomy/selenium-tea-trials/", "2025.11", "reviewer@science-technology", map[string]string{
		"plots.csv":  "plot,county,cultivar,leaf_se_mg_kg\nNJ-01,Nanjiang,Fuding,0.41\nNJ-02,Nanjiang,Micang,0.52\nTJ-01,Tongjiang,Fuding,0.38\n",
		"soil.csv":   "plot,soil_se_mg_kg,ph\nNJ-01,0.92,5.4\nNJ-02,1.10,5.1\nTJ-01,0.87,5.6\n",
		"README.txt": "Selenium uptake field trials in tea plantations, 2023-2025 (sample data).\n",
	}},
	{"water-resources", "hourly-rainfall-hydrological-stations", "hydrology/rainfall/hourly/", "2024.12", "reviewer@water-resources", map[string]string{
		"stations.csv":      "station,name,lat,lon\n60101,Bazhong,31.87,106.75\n60102,Enyang,31.79,106.63\n",
		"rainfall-2024.csv": "station,time,mm\n60101,2024-07-10T03:00Z,12.4\n60101,2024-07-10T04:00Z,27.9\n60102,2024-07-10T04:00Z,18.1\n",
		"README.txt":        "Hourly rainfall at hydrological stations (sample data).\n",
	}},
}

type demo struct {
	root, kubectl, kubeconfig string
	out                       *os.File
}

func main() {
	exitAfter := flag.Bool("exit", false, "stop after printing the city, leaving the node up (make demo-down stops it)")
	port := flag.Int("port", 8080, "local port for the Center's portal (0: any free port)")
	flag.Parse()
	d := &demo{out: os.Stdout}
	if err := d.run(*exitAfter, *port); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "demo: "+format+"\n", args...)
}

func (d *demo) run(exitAfter bool, port int) error {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return fmt.Errorf("the demo runs in real mode, which needs Linux and root (this is %s, uid %d): its pods must really run, "+
			"copy bytes and be stopped by NetworkPolicies, and the simulated mode (KWOK) runs no pods; see docs/local-cluster.md", runtime.GOOS, os.Geteuid())
	}
	d.say("mode real: Linux as root, so a real node (kubelet, containerd, CNI, kube-router) runs on this machine")
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	d.root = wd
	dir, err := d.cmd("", "hack/build-k8s.sh", "--print-dir")
	if err != nil {
		return err
	}
	d.kubectl = filepath.Join(strings.TrimSpace(dir), "kubectl")
	d.kubeconfig = filepath.Join(d.root, ".local", "kubeconfig")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	images := []string{"bin/images/scidata-operator.tar", "bin/images/scidata-objectstore.tar"}
	if !exitAfter {
		// Registered before up: Ctrl-C while the node comes up stops it too.
		defer d.down()
	}
	if _, err := d.cmd("", "go", "run", "./hack/localcluster", "status"); err == nil {
		d.say("a local cluster is already up: loading the images into it")
		if err := d.stream("go", append([]string{"run", "./hack/localcluster", "load-image"}, images...)...); err != nil {
			return err
		}
	} else {
		args := []string{"run", "./hack/localcluster", "up", "--mode", "real"}
		for _, i := range images {
			args = append(args, "--load-image", i)
		}
		if err := d.stream("go", args...); err != nil {
			return fmt.Errorf("localcluster up: %w", err)
		}
	}
	d.say("installing the operator: kubectl apply --server-side -k config/default")
	if _, err := d.k("", "apply", "--server-side", "-k", "config/default"); err != nil {
		return err
	}
	if _, err := d.k("", "wait", "--for=condition=Established", "--timeout=60s", "crd/dataplatforms.scidata.io", "crd/submissions.scidata.io"); err != nil {
		return err
	}
	if _, err := d.k("", "-n", "scidata-system", "wait", "--for=condition=Available", "--timeout=180s", "deployment/scidata-operator-manager"); err != nil {
		return err
	}
	d.say("the manager is Available")

	d.say("applying the sample city: kubectl apply --server-side -k config/samples (again until the platforms' namespaces exist)")
	if err := d.until(ctx, 3*time.Minute, func() (bool, error) {
		_, err := d.k("", "apply", "--server-side", "-k", "config/samples")
		return err == nil, nil
	}); err != nil {
		return err
	}
	if err := d.waitPlatforms(ctx); err != nil {
		return err
	}

	for _, ds := range datasets {
		if err := d.load(ctx, ds); err != nil {
			return err
		}
	}
	for _, ds := range datasets {
		if err := d.approve(ctx, ds); err != nil {
			return err
		}
	}
	if err := d.waitReceipts(ctx); err != nil {
		return err
	}

	for _, args := range [][]string{
		{"get", "dataplatforms"},
		{"get", "catalogentries", "-A"},
		{"get", "submissionpolicies", "-A"},
		{"get", "submissions", "-A", "-o", "wide"},
		{"get", "jobs", "-n", "scidata-center", "-l", "app.kubernetes.io/component=sync"},
	} {
		out, err := d.k("", args...)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.out, "\n$ kubectl %s\n%s", strings.Join(args, " "), out)
	}
	d.say("the city converged in %s", time.Since(started).Round(time.Second))
	if exitAfter {
		d.say("--exit: the node stays up; `make demo-down` stops it (KUBECONFIG=%s)", d.kubeconfig)
		return nil
	}
	return d.portal(ctx, port)
}

// waitPlatforms shows, while it waits, which platforms are Ready and why
// the others are not.
func (d *demo) waitPlatforms(ctx context.Context) error {
	last := ""
	return d.until(ctx, 6*time.Minute, func() (bool, error) {
		out, err := d.k("", "get", "dataplatforms", "-o", "json")
		if err != nil {
			return false, nil
		}
		var list scidatav1.DataPlatformList
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			return false, err
		}
		var lines []string
		ready := 0
		for _, p := range list.Items {
			c := meta.FindStatusCondition(p.Status.Conditions, scidatav1.ConditionReady)
			switch {
			case c != nil && c.Status == metav1.ConditionTrue && p.Status.ObservedGeneration == p.Generation:
				ready++
				lines = append(lines, fmt.Sprintf("  %-20s Ready", p.Name))
			case c != nil:
				lines = append(lines, fmt.Sprintf("  %-20s not ready (%s): %s", p.Name, c.Reason, c.Message))
			default:
				lines = append(lines, fmt.Sprintf("  %-20s not reconciled yet", p.Name))
			}
		}
		sort.Strings(lines)
		now := fmt.Sprintf("%d of %d platforms Ready\n%s", ready, len(list.Items), strings.Join(lines, "\n"))
		if now != last {
			d.say("%s", now)
			last = now
		}
		return len(list.Items) > 0 && ready == len(list.Items), nil
	})
}

// load uploads a dataset into its department's store from a pod in the
// department's own namespace, with the owners' upload account.
func (d *demo) load(ctx context.Context, ds dataset) error {
	ns := scidatav1.NamespacePrefix + ds.department
	name := "load-" + ds.entry
	if len(name) > 52 {
		name = name[:52]
	}
	cm := cityops.DataConfigMap(ns, name, ds.files)
	job := cityops.ToolJob("scidata-operator:dev", ns, name, cityops.UploadArgs(ns, ds.prefix), "objectstore-upload", cm.Name)
	y, err := cityops.YAML(cm, job)
	if err != nil {
		return err
	}
	d.say("%s loads %d files into its store under %s (a Job in %s)", ds.department, len(ds.files), ds.prefix, ns)
	if _, err := d.k(y, "apply", "-f", "-"); err != nil {
		return err
	}
	return d.until(ctx, 3*time.Minute, func() (bool, error) {
		out, err := d.k("", "get", "job", "-n", ns, name, "-o", "jsonpath={range .status.conditions[?(@.status==\"True\")]}{.type} {end}")
		if err != nil {
			return false, nil
		}
		if strings.Contains(out, "Failed") {
			logs, _ := d.k("", "logs", "-n", ns, "job/"+name)
			return false, fmt.Errorf("job %s/%s failed:\n%s", ns, name, logs)
		}
		return strings.Contains(out, "Complete"), nil
	})
}

// approve grants the department's reviewer and approves the Submission the
// Center's city-wide policy made for the dataset, in the reviewer's name.
func (d *demo) approve(ctx context.Context, ds dataset) error {
	ns := scidatav1.NamespacePrefix + ds.department
	if _, err := d.k(cityops.ReviewerRBAC(ds.department, ns, ds.reviewer), "apply", "-f", "-"); err != nil {
		return err
	}
	name := submission.Name(ds.entry, ds.version)
	d.say("%s approves submission %s/%s", ds.reviewer, ns, name)
	return d.until(ctx, 2*time.Minute, func() (bool, error) {
		_, err := d.k("", "patch", "submission", "-n", ns, name, "--subresource=status", "--type=merge",
			"-p", cityops.ApprovalPatch(ds.reviewer, metav1.Now()), "--as", ds.reviewer)
		return err == nil, nil // the Submission may not exist yet, or RBAC not be live yet
	})
}

func (d *demo) waitReceipts(ctx context.Context) error {
	d.say("waiting for sync Job pods to copy the data into the Center and for the signed receipts")
	return d.until(ctx, 5*time.Minute, func() (bool, error) {
		for _, ds := range datasets {
			ns := scidatav1.NamespacePrefix + ds.department
			out, err := d.k("", "get", "submission", "-n", ns, submission.Name(ds.entry, ds.version), "-o", "json")
			if err != nil {
				return false, nil
			}
			var s scidatav1.Submission
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				return false, err
			}
			if c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
				return false, fmt.Errorf("submission %s/%s is stalled: %s", ns, s.Name, c.Message)
			}
			if s.Status.Receipt == nil || !meta.IsStatusConditionTrue(s.Status.Conditions, scidatav1.ConditionReceived) {
				return false, nil
			}
		}
		return true, nil
	})
}

// portal forwards the Center's portal to a local port and waits for Ctrl-C.
func (d *demo) portal(ctx context.Context, port int) error {
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
	}
	pf := exec.CommandContext(ctx, d.kubectl, "--kubeconfig", d.kubeconfig, "-n", "scidata-center", "port-forward",
		"--address", "127.0.0.1", "svc/portal", fmt.Sprintf("%d:8080", port))
	pf.Stdout, pf.Stderr = nil, os.Stderr
	if err := pf.Start(); err != nil {
		return err
	}
	d.say("the Center's public portal: http://127.0.0.1:%d/  (Ctrl-C stops the demo and the node)", port)
	d.say("kubectl: KUBECONFIG=%s %s get dataplatforms", d.kubeconfig, d.kubectl)
	_ = pf.Wait()
	return nil
}

func (d *demo) down() {
	d.say("stopping the node: go run ./hack/localcluster down")
	if err := d.stream("go", "run", "./hack/localcluster", "down"); err != nil {
		fmt.Fprintln(os.Stderr, "demo: localcluster down:", err)
	}
}

// until polls cond every two seconds until it holds, fails, ctx ends or
// timeout passes.
func (d *demo) until(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted")
		case <-time.After(2 * time.Second):
		}
	}
}

func (d *demo) k(stdin string, args ...string) (string, error) {
	return d.cmd(stdin, d.kubectl, append([]string{"--kubeconfig", d.kubeconfig}, args...)...)
}

func (d *demo) cmd(stdin, name string, args ...string) (string, error) {
	c := exec.Command(name, args...)
	c.Dir = d.root
	c.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

func (d *demo) stream(name string, args ...string) error {
	c := exec.Command(name, args...)
	c.Dir = d.root
	c.Stdout, c.Stderr = d.out, os.Stderr
	return c.Run()
}
