package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

// The manager's identity as config/default installs it.
const (
	operatorNamespace  = "scidata-system"
	managerAccount     = "scidata-operator-manager"
	managerUser        = "system:serviceaccount:" + operatorNamespace + ":" + managerAccount
	operatorBinaryName = "scidata-operator"
)

// buildOperator builds the operator's binary as `make build` does.
func buildOperator(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, operatorBinaryName)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// managerKubeconfig writes a kubeconfig that authenticates as the
// manager's ServiceAccount with a token the apiserver issues for it
// (TokenRequest), so that every request of the local manager is
// authorised by the generated RBAC and audited under its own name.
func managerKubeconfig(ctx context.Context, admin *rest.Config, path string) (*rest.Config, error) {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	var tr *authenticationv1.TokenRequest
	deadline := time.Now().Add(60 * time.Second)
	for {
		tr, err = cs.CoreV1().ServiceAccounts(operatorNamespace).CreateToken(ctx, managerAccount,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(12 * 3600))}}, metav1.CreateOptions{})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second) // the ServiceAccount was just applied
	}
	if err != nil {
		return nil, fmt.Errorf("a token for %s: %w", managerUser, err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: admin.CAData}
	kc.AuthInfos["manager"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["manager"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "manager"}
	kc.CurrentContext = "manager"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(admin)
	cfg.TLSClientConfig = rest.TLSClientConfig{CAData: admin.CAData}
	cfg.BearerToken = tr.Status.Token
	return cfg, nil
}

// managerProc is the manager running as a local process.
type managerProc struct {
	cmd        *exec.Cmd
	metricsURL string
	logPath    string
	started    time.Time
	done       chan error
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startManager runs `scidata-operator manager` with kubeconfig and the
// flags given, its log appended to logPath, and waits until its metrics
// answer.
func startManager(ctx context.Context, bin, kubeconfig, logPath string, flags []string) (*managerProc, error) {
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	hport, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"manager",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", mport),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", hport),
		"--leader-elect", "--leader-election-namespace=" + operatorNamespace,
		"--operator-namespace=" + operatorNamespace,
	}, flags...)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== %s %s %v\n", time.Now().UTC().Format(time.RFC3339), bin, args)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE="+operatorNamespace)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	m := &managerProc{cmd: cmd, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", mport), logPath: logPath, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m.started = time.Now()
	go func() { m.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := readMetrics(ctx, m.metricsURL); err == nil {
			return m, nil
		}
		select {
		case err := <-m.done:
			m.done <- err
			return nil, fmt.Errorf("the manager exited (%w); its log is %s", err, logPath)
		case <-ctx.Done():
			m.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("the manager's metrics did not answer within 60s; its log is %s", logPath)
		}
	}
}

func (m *managerProc) pid() int { return m.cmd.Process.Pid }

// alive reports an exit of the manager as an error.
func (m *managerProc) alive() error {
	select {
	case err := <-m.done:
		m.done <- err
		return fmt.Errorf("the manager exited (%w); its log is %s", err, m.logPath)
	default:
		return nil
	}
}

// stop sends SIGTERM (the manager releases its Lease and stops its
// workers), and SIGKILL after 30 seconds.
func (m *managerProc) stop() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-m.done:
		m.done <- err
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		m.done <- <-m.done
	}
}
