package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/scidata-io/scidata-operator/internal/repo"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// repoRoot finds the module's root from the working directory upwards.
func repoRoot() (string, error) { return repo.Root() }

// localCluster is the machine's local cluster as this run brought it up
// with hack/localcluster: simulated (KWOK) or a real node.
type localCluster struct {
	root, work string
	tool       string // the built localcluster command
	kubectl    string
	kubeconfig string
	auditLog   string
	out        io.Writer
	ranUp      bool
}

// upCluster builds hack/localcluster and brings a cluster up with it,
// queueing behind any other cluster on the machine for up to wait. It
// refuses when this checkout's cluster is already up: a benchmark wants a
// fresh one.
func upCluster(ctx context.Context, root, work string, out io.Writer, wait time.Duration, args ...string) (*localCluster, error) {
	c := &localCluster{root: root, work: work, out: out,
		kubeconfig: filepath.Join(root, ".local", "kubeconfig"),
		auditLog:   filepath.Join(root, ".local", "cluster", "logs", "audit.log")}
	dir, err := c.run(ctx, "", filepath.Join(root, "hack", "build-k8s.sh"), "--print-dir")
	if err != nil {
		return nil, err
	}
	c.kubectl = filepath.Join(strings.TrimSpace(dir), "kubectl")
	c.tool = filepath.Join(work, "localcluster")
	if _, err := c.run(ctx, "", "go", "build", "-o", c.tool, "./hack/localcluster"); err != nil {
		return nil, err
	}
	if _, err := c.run(ctx, "", c.tool, "status"); err == nil {
		return nil, fmt.Errorf("a local cluster of this checkout is already up: run `go run ./hack/localcluster down` first; the benchmark measures a fresh one")
	}
	c.ranUp = true
	called := time.Now()
	cmd := exec.CommandContext(ctx, c.tool, append([]string{"up", "--wait", wait.String()}, args...)...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return c, fmt.Errorf("localcluster up: %w", err)
	}
	// up leaves a healthy cluster that came up meanwhile as it is; this
	// run must have its own.
	var st struct {
		Started time.Time `json:"started"`
	}
	data, err := os.ReadFile(filepath.Join(root, ".local", "cluster", "state.json"))
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err != nil || st.Started.Before(called.Add(-time.Second)) {
		c.ranUp = false
		return c, fmt.Errorf("a local cluster of this checkout came up while this run waited (started %s): run one benchmark at a time", st.Started)
	}
	return c, nil
}

// down stops the cluster if this run brought it up.
func (c *localCluster) down() error {
	if c == nil || !c.ranUp {
		return nil
	}
	c.ranUp = false
	out, err := c.run(context.Background(), "", c.tool, "down")
	fmt.Fprint(c.out, out)
	return err
}

// restConfig is the admin's client configuration, without a client-side
// rate limit (the apiserver's priority and fairness governs).
func (c *localCluster) restConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, 0
	cfg.Timeout = 60 * time.Second
	return cfg, nil
}

// kubectl runs kubectl as the admin with stdin.
func (c *localCluster) k(ctx context.Context, stdin string, args ...string) (string, error) {
	return c.run(ctx, stdin, c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
}

func (c *localCluster) run(ctx context.Context, stdin, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.root
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(out.String(), 2000))
	}
	return out.String(), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// installOperator applies config/default as a user does, but without the
// manager's Deployment when the manager runs as a local process: CRDs,
// the manager's ServiceAccount and generated RBAC, the operator's
// namespace and the admission policies.
func (c *localCluster) installOperator(ctx context.Context, withDeployment bool) error {
	rendered, err := c.k(ctx, "", "kustomize", filepath.Join(c.root, "config", "default"))
	if err != nil {
		return err
	}
	var docs []string
	for _, d := range strings.Split(rendered, "\n---\n") {
		if !withDeployment && strings.Contains(d, "\nkind: Deployment\n") {
			continue
		}
		docs = append(docs, d)
	}
	if _, err := c.k(ctx, strings.Join(docs, "\n---\n"), "apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	if _, err := c.k(ctx, "", "wait", "--for=condition=Established", "--timeout=120s",
		"crd/dataplatforms.scidata.io", "crd/catalogentries.scidata.io", "crd/submissionpolicies.scidata.io", "crd/submissions.scidata.io"); err != nil {
		return err
	}
	if withDeployment {
		_, err = c.k(ctx, "", "-n", operatorNamespace, "wait", "--for=condition=Available", "--timeout=180s", "deployment/scidata-operator-manager")
	}
	return err
}
