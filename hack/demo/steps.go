package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/test/cityops"
)

// node brings up the local node with the images loaded, or loads them
// into the node that is already up.
func (d *demo) node(context.Context) error {
	out, err := d.cmd("", "go", "run", "./hack/localcluster", "status")
	if err == nil {
		d.say("a local cluster is already up: loading the images into it")
		return d.stream("go", append([]string{"run", "./hack/localcluster", "load-image"}, images...)...)
	}
	d.say("no healthy local cluster (%s): bringing one up", firstLine(out))
	args := []string{"run", "./hack/localcluster", "up", "--mode", "real"}
	for _, i := range images {
		args = append(args, "--load-image", i)
	}
	if err := d.stream("go", args...); err != nil {
		return fmt.Errorf("localcluster up: %w", err)
	}
	return nil
}

// operator installs the operator as a user would and waits for its manager.
func (d *demo) operator(context.Context) error {
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
	return nil
}

// city applies the sample city, again until the platforms' namespaces,
// which the operator makes, exist for the objects inside them.
func (d *demo) city(ctx context.Context) error {
	d.say("applying the sample city: kubectl apply --server-side -k config/samples")
	return d.until(ctx, "applying config/samples", 3*time.Minute, func() (bool, error) {
		if _, err := d.k("", "apply", "--server-side", "-k", "config/samples"); err != nil {
			return false, again(err)
		}
		return true, nil
	})
}

// waitPlatforms shows, while it waits, which platforms are Ready and why
// the others are not.
func (d *demo) waitPlatforms(ctx context.Context) error {
	last := ""
	return d.until(ctx, "waiting for the platforms", 6*time.Minute, func() (bool, error) {
		var list scidatav1.DataPlatformList
		if err := d.getJSON(&list, "dataplatforms"); err != nil {
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

func (d *demo) loadAll(ctx context.Context) error {
	for _, ds := range datasets {
		if err := d.load(ctx, ds); err != nil {
			return err
		}
	}
	return nil
}

// load uploads a dataset into its department's store from a pod in the
// department's own namespace, with the owners' upload account. A load
// whose Job completed is not repeated; one whose Job failed is shown and
// run again.
func (d *demo) load(ctx context.Context, ds dataset) error {
	ns := scidatav1.NamespacePrefix + ds.department
	name := "load-" + ds.entry
	if len(name) > 52 {
		name = name[:52]
	}
	job, err := d.job(ns, name)
	if err != nil {
		return err
	}
	switch jobFinished(job) {
	case batchv1.JobComplete:
		d.say("%s: its data is loaded already (Job %s/%s completed)", ds.department, ns, name)
		return nil
	case batchv1.JobFailed:
		d.say("%s: an earlier load failed (Job %s/%s); its log:\n%s", ds.department, ns, name, d.logs(ns, name))
		d.say("deleting that Job to run it again")
		if _, err := d.k("", "delete", "job", "-n", ns, name, "--wait=true", "--cascade=foreground"); err != nil {
			return err
		}
	}
	cm := cityops.DataConfigMap(ns, name, ds.files)
	y, err := cityops.YAML(cm, cityops.ToolJob("scidata-operator:dev", ns, name, cityops.UploadArgs(cityops.ManagedStore(ns), ds.prefix), "objectstore-upload", cm.Name))
	if err != nil {
		return err
	}
	d.say("%s loads %d files into its store under %s (a Job in %s)", ds.department, len(ds.files), ds.prefix, ns)
	if _, err := d.k(y, "apply", "-f", "-"); err != nil {
		return err
	}
	return d.until(ctx, "loading "+ns+"/"+name, 3*time.Minute, func() (bool, error) {
		job, err := d.job(ns, name)
		if err != nil {
			return false, again(err)
		}
		switch jobFinished(job) {
		case batchv1.JobFailed:
			return false, fmt.Errorf("job %s/%s failed; its log:\n%s", ns, name, d.logs(ns, name))
		case batchv1.JobComplete:
			return true, nil
		}
		return false, nil
	})
}

// job is the Job, or nil when there is none.
func (d *demo) job(ns, name string) (*batchv1.Job, error) {
	out, err := d.k("", "get", "job", "-n", ns, name, "--ignore-not-found", "-o", "json")
	if err != nil || strings.TrimSpace(out) == "" {
		return nil, err
	}
	var j batchv1.Job
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		return nil, fmt.Errorf("job %s/%s: %w", ns, name, err)
	}
	return &j, nil
}

// jobFinished is JobComplete or JobFailed once the Job has finished, else "".
func jobFinished(j *batchv1.Job) batchv1.JobConditionType {
	if j == nil {
		return ""
	}
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

// logs is a Job's log, or why it could not be read.
func (d *demo) logs(ns, name string) string {
	out, err := d.k("", "logs", "-n", ns, "job/"+name)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return out
}

func (d *demo) approveAll(ctx context.Context) error {
	for _, ds := range datasets {
		if err := d.approve(ctx, ds); err != nil {
			return err
		}
	}
	return nil
}

// approve grants the department's reviewer and approves, in the reviewer's
// name, the Submission the Center's city-wide policy made for the dataset,
// unless it is decided already: a decision is final, so an approved one is
// left as it is and a denied one is an error.
func (d *demo) approve(ctx context.Context, ds dataset) error {
	ns := scidatav1.NamespacePrefix + ds.department
	if _, err := d.k(cityops.ReviewerRBAC(ds.department, ns, ds.reviewer), "apply", "-f", "-"); err != nil {
		return err
	}
	name := submission.Name(ds.entry, ds.version)
	return d.until(ctx, "approving "+ns+"/"+name, 2*time.Minute, func() (bool, error) {
		var s scidatav1.Submission
		if err := d.getJSON(&s, "submission", "-n", ns, name); err != nil {
			return false, again(err) // the Center's policy may not have made it yet
		}
		if r := s.Status.Review; r != nil {
			switch r.Decision {
			case scidatav1.ReviewApproved:
				d.say("submission %s/%s is approved already (by %s at %s)", ns, name, r.By, r.At.UTC().Format(time.RFC3339))
				return true, nil
			case scidatav1.ReviewDenied:
				return false, fmt.Errorf("submission %s/%s was denied by %s (%q); a decision is final: delete the Submission for the policy to make it again",
					ns, name, r.By, r.Comment)
			}
		}
		if _, err := d.k("", "patch", "submission", "-n", ns, name, "--subresource=status", "--type=merge",
			"-p", cityops.ApprovalPatch(ds.reviewer, metav1.Now()), "--as", ds.reviewer); err != nil {
			return false, again(err) // the reviewer's RBAC may not be live yet
		}
		d.say("%s approved submission %s/%s", ds.reviewer, ns, name)
		return true, nil
	})
}

// curator is the Center's curator in the demo city, who accepts each
// transferred submission before its receipt (the sample city asks for one).
const curator = "curator@center"

// acceptAll grants the Center's curator and accepts, in the curator's
// name, every dataset's Submission once it is transferred and verified,
// unless it is accepted or received already.
func (d *demo) acceptAll(ctx context.Context) error {
	if _, err := d.k(cityops.CuratorRBAC(curator), "apply", "-f", "-"); err != nil {
		return err
	}
	for _, ds := range datasets {
		ns := scidatav1.NamespacePrefix + ds.department
		name := submission.Name(ds.entry, ds.version)
		err := d.until(ctx, "accepting "+ns+"/"+name+" for the Center", 5*time.Minute, func() (bool, error) {
			var s scidatav1.Submission
			if err := d.getJSON(&s, "submission", "-n", ns, name); err != nil {
				return false, err
			}
			if s.Status.Acceptance != nil || s.Status.Receipt != nil {
				return true, nil
			}
			if c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
				return false, fmt.Errorf("submission %s/%s is stalled (%s): %s", ns, name, c.Reason, c.Message)
			}
			if submission.State(&s) != scidatav1.SubmissionAwaitingAcceptance {
				return false, nil // not yet transferred
			}
			if _, err := d.k("", "patch", "submission", "-n", ns, name, "--subresource=status", "--type=merge",
				"-p", cityops.AcceptancePatch(curator, metav1.Now()), "--as", curator); err != nil {
				return false, again(err) // the curator's RBAC may not be live yet
			}
			d.say("%s accepted submission %s/%s for the Center", curator, ns, name)
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// waitReceipts waits for every dataset's Submission to be received with a
// signed receipt; a stalled one is an error.
func (d *demo) waitReceipts(ctx context.Context) error {
	d.say("waiting for sync Job pods to copy the data into the Center and for the signed receipts")
	return d.until(ctx, "waiting for the receipts", 5*time.Minute, func() (bool, error) {
		for _, ds := range datasets {
			ns := scidatav1.NamespacePrefix + ds.department
			var s scidatav1.Submission
			if err := d.getJSON(&s, "submission", "-n", ns, submission.Name(ds.entry, ds.version)); err != nil {
				return false, err
			}
			if c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
				return false, fmt.Errorf("submission %s/%s is stalled (%s): %s", ns, s.Name, c.Reason, c.Message)
			}
			if s.Status.Receipt == nil || !meta.IsStatusConditionTrue(s.Status.Conditions, scidatav1.ConditionReceived) {
				return false, nil
			}
		}
		return true, nil
	})
}

// getJSON reads one object or a list with kubectl get -o json; a failure
// is retryable.
func (d *demo) getJSON(into any, args ...string) error {
	out, err := d.k("", append(append([]string{"get"}, args...), "-o", "json")...)
	if err != nil {
		return again(err)
	}
	if err := json.Unmarshal([]byte(out), into); err != nil {
		return fmt.Errorf("kubectl get %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// show prints kubectl get of every kind.
func (d *demo) show(context.Context) error {
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
	return nil
}

// portal forwards the Center's portal to a local port and checks that it
// serves the catalog; then it waits for Ctrl-C, or with exitAfter stops the
// forward.
func (d *demo) portal(ctx context.Context, port int, exitAfter bool) error {
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port = l.Addr().(*net.TCPAddr).Port
		if err := l.Close(); err != nil {
			return err
		}
	}
	fctx, stopForward := context.WithCancel(ctx)
	defer stopForward()
	pf := exec.CommandContext(fctx, d.kubectl, "--kubeconfig", d.kubeconfig, "-n", "scidata-center", "port-forward",
		"--address", "127.0.0.1", "svc/portal", fmt.Sprintf("%d:8080", port))
	pf.Stdout, pf.Stderr = nil, os.Stderr
	if err := pf.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- pf.Wait() }()

	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if err := d.checkPortal(ctx, url, exited); err != nil {
		return err
	}
	if exitAfter {
		stopForward()
		<-exited //nolint:errcheck // stopForward killed it: its exit status says only that
		return nil
	}
	d.say("the Center's public portal: %s  (Ctrl-C stops the demo and the node)", url)
	d.say("kubectl: KUBECONFIG=%s %s get dataplatforms", d.kubeconfig, d.kubectl)
	err := <-exited
	if ctx.Err() != nil {
		return nil // Ctrl-C
	}
	return fmt.Errorf("kubectl port-forward ended (its output is above): %w", err)
}

// checkPortal waits for the portal's JSON API to answer through the
// forward and says how many entries it publishes.
func (d *demo) checkPortal(ctx context.Context, url string, exited <-chan error) error {
	client := &http.Client{Timeout: 5 * time.Second}
	return d.until(ctx, "the portal at "+url, time.Minute, func() (bool, error) {
		select {
		case err := <-exited:
			return false, fmt.Errorf("kubectl port-forward ended (its output is above): %w", err)
		default:
		}
		resp, err := client.Get(url + "api/v1/entries")
		if err != nil {
			return false, again(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return false, again(err)
		}
		if resp.StatusCode != http.StatusOK {
			return false, again(fmt.Errorf("GET /api/v1/entries: %s: %s", resp.Status, strings.TrimSpace(string(body))))
		}
		var page struct {
			Total int `json:"total"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return false, fmt.Errorf("GET /api/v1/entries: %w", err)
		}
		d.say("the Center's portal answers at %s: %d entries published", url, page.Total)
		return true, nil
	})
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
