// Package e2e proves the operator on a real node: the local cluster tool
// (hack/localcluster) brings a node up with the operator's image loaded,
// the operator is installed as a user installs it (`kubectl apply
// --server-side -k config/default`), runs under its own ServiceAccount,
// RBAC and the `restricted` Pod Security Standard, and makes platforms
// whose objects, status and data retention are checked on the cluster.
//
// It needs root and a machine where no other local cluster runs, so it runs
// only when asked:
//
//	make test-e2e-operator
//	SCIDATA_E2E=1 go test ./test/e2e -v -count=1 -timeout 20m
//
// SCIDATA_E2E_IMAGES names the image tarballs to load, separated by
// spaces, relative to the module's root or absolute (make image writes
// bin/images/scidata-operator.tar and bin/images/scidata-objectstore.tar);
// without it the test builds both itself with hack/image (the object
// store's from bin/versitygw, which `make versitygw` builds). If another checkout's cluster runs, the test
// waits for it to go, up to SCIDATA_E2E_WAIT (default 10m). Run it on its
// own, not beside ./hack/localcluster's TestE2E in one `go test ./...`
// (packages run in parallel; both need the machine's one cluster):
// `make test-e2e` runs the two one after the other.
package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"testing"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// lockFile is the local cluster tool's machine lock (one cluster per machine).
const lockFile = "/run/lock/scidata-localcluster.lock"

// node is the cluster TestMain brought up; nil when the suite is skipped.
var node *realNode

type realNode struct {
	root       string // the module's root
	tool       string // the built localcluster command
	kubectl    string
	kubeconfig string
	upErr      error // why the node is not up, reported by every test
	ranUp      bool  // this run called up, so it must call down
	downOnce   sync.Once
}

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("SCIDATA_E2E") != "1" {
		os.Exit(m.Run()) // every test skips, naming the variable
	}
	node = &realNode{}
	node.upErr = node.up()
	// Bring the node down however the run ends: normally, on a signal, or
	// shortly before the test binary's own timeout would kill it (a panic
	// from the timeout runs no deferred code).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "e2e: %v: bringing the local cluster down\n", s)
		s3test.StopShared()
		if err := node.down(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: down:", err)
		}
		os.Exit(1)
	}()
	if d := testTimeout(); d > 3*time.Minute {
		time.AfterFunc(d-90*time.Second, func() {
			fmt.Fprintln(os.Stderr, "e2e: the test timeout is near: bringing the local cluster down")
			node.diagnose()
			s3test.StopShared()
			if err := node.down(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e: down:", err)
			}
			os.Exit(1)
		})
	}
	code := m.Run()
	s3test.StopShared() // the city's store the tests ran on the node's address
	if code != 0 && node.upErr == nil {
		node.diagnose()
	}
	if err := node.down(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: down:", err)
		code = 1
	}
	os.Exit(code)
}

func testTimeout() time.Duration {
	f := flag.Lookup("test.timeout")
	if f == nil {
		return 0
	}
	d, _ := f.Value.(flag.Getter).Get().(time.Duration)
	return d
}

// requireNode skips without SCIDATA_E2E=1 and fails when the node could not
// come up: a real node that cannot start is a failure with its reason, never
// a silent skip.
func requireNode(t *testing.T) *realNode {
	t.Helper()
	if node == nil {
		t.Skip("set SCIDATA_E2E=1 to run the operator end to end on a real node (needs root; changes host networking while it runs)")
	}
	if node.upErr != nil {
		t.Fatalf("the real node is not up: %v", node.upErr)
	}
	return node
}

func (n *realNode) up() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("SCIDATA_E2E=1: a real node needs root")
	}
	root := testenv.RepoRoot()
	n.root = root
	n.kubeconfig = filepath.Join(root, ".local", "kubeconfig")
	dir, err := run(root, filepath.Join(root, "hack", "build-k8s.sh"), "--print-dir")
	if err != nil {
		return err
	}
	n.kubectl = filepath.Join(strings.TrimSpace(dir), "kubectl")
	work, err := os.MkdirTemp("", "scidata-e2e-")
	if err != nil {
		return err
	}
	n.tool = filepath.Join(work, "localcluster")
	if _, err := run(root, "go", "build", "-o", n.tool, "./hack/localcluster"); err != nil {
		return err
	}
	images := strings.Fields(os.Getenv("SCIDATA_E2E_IMAGES"))
	if len(images) == 0 {
		op, store := filepath.Join(work, "scidata-operator.tar"), filepath.Join(work, "scidata-objectstore.tar")
		logf("building the operator's and the object store's images into %s", work)
		if _, err := run(root, "go", "run", "./hack/image", "--out", op, "--ref", "scidata-operator:dev"); err != nil {
			return err
		}
		if _, err := run(root, "go", "run", "./hack/image", "--binary", filepath.Join(root, "bin", "versitygw"),
			"--path", "/usr/local/bin/versitygw", "--out", store, "--ref", "scidata-objectstore:dev"); err != nil {
			return fmt.Errorf("%w (run `make versitygw` first)", err)
		}
		images = []string{op, store}
	}
	for i, image := range images {
		if !filepath.IsAbs(image) {
			images[i] = filepath.Join(root, image)
		}
		if _, err := os.Stat(images[i]); err != nil {
			return fmt.Errorf("image: %w (make image writes it)", err)
		}
	}
	if _, err := run(root, n.tool, "status"); err == nil {
		return fmt.Errorf("a local cluster of this checkout is already up: run `go run ./hack/localcluster down` first; the test installs the operator on a fresh node")
	}
	if err := waitForMachine(); err != nil {
		return err
	}
	start := time.Now()
	n.ranUp = true
	args := []string{"up", "--mode", "real"}
	for _, image := range images {
		args = append(args, "--load-image", image)
	}
	cmd := exec.Command(n.tool, args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("localcluster up: %w", err)
	}
	logf("node up with the images loaded in %.1fs", time.Since(start).Seconds())
	return nil
}

// waitForMachine waits, with a bound, while another checkout's cluster runs
// on this machine (only one may).
func waitForMachine() error {
	limit := 10 * time.Minute
	if v := os.Getenv("SCIDATA_E2E_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SCIDATA_E2E_WAIT: %w", err)
		}
		limit = d
	}
	deadline := time.Now().Add(limit)
	for said := false; ; said = true {
		busy := machineBusy()
		if busy == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v for the machine's local cluster to go: %s", limit, busy)
		}
		if !said {
			logf("waiting for the machine's local cluster to go (%s)", busy)
		}
		time.Sleep(5 * time.Second)
	}
}

// machineBusy says why a cluster seems to run here, or "" when none does.
func machineBusy() string {
	if exec.Command("pgrep", "-x", "kubelet").Run() == nil {
		return "a kubelet runs"
	}
	f, err := os.Open(lockFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return lockFile + " is held"
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	// Between commands the lock file names the cluster that is up (a
	// simulated one runs no kubelet); `down` removes it. This checkout's
	// own cluster was ruled out before.
	var owner struct {
		StateDir string `json:"stateDir"`
	}
	if b, err := io.ReadAll(f); err == nil && json.Unmarshal(b, &owner) == nil && owner.StateDir != "" {
		return "the cluster of " + owner.StateDir + " is up (" + lockFile + ")"
	}
	return ""
}

func (n *realNode) down() error {
	var err error
	n.downOnce.Do(func() {
		if !n.ranUp {
			return // never take down a cluster this run did not bring up
		}
		start := time.Now()
		var out string
		out, err = run(n.root, n.tool, "down")
		if err != nil {
			return
		}
		logf("%snode down in %.1fs", out, time.Since(start).Seconds())
	})
	return err
}

// diagnose prints what a person needs to see when a test failed.
func (n *realNode) diagnose() {
	for _, args := range [][]string{
		{"get", "dataplatforms", "-o", "wide"},
		{"get", "pods,pvc,statefulsets,deployments", "-A", "-o", "wide"},
		{"get", "events", "-A", "--sort-by=.lastTimestamp"},
		{"-n", "scidata-system", "logs", "deploy/scidata-operator-manager", "--tail=200"},
	} {
		out, err := run(n.root, n.kubectl, append([]string{"--kubeconfig", n.kubeconfig}, args...)...)
		fmt.Fprintf(os.Stderr, "--- kubectl %s (%v)\n%s\n", strings.Join(args, " "), err, out)
	}
}

func run(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
}
