package cluster

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Kubeconfig renders a kubeconfig with embedded credentials, so that it
// stays valid wherever it is copied on this machine.
func Kubeconfig(server, user string, caPEM, certPEM, keyPEM []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: localcluster
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: localcluster
  context:
    cluster: localcluster
    user: %s
current-context: localcluster
`, server, b64(caPEM), user, b64(certPEM), b64(keyPEM), user)
}

// adminClient is a clientset with the admin identity.
func (cl *Cluster) adminClient() (*kubernetes.Clientset, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", cl.kubeconfigFor("admin"))
	if err != nil {
		return nil, err
	}
	rc.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(rc)
}

// writeUserKubeconfig copies the admin kubeconfig to .local/kubeconfig.
func (cl *Cluster) writeUserKubeconfig(ctx context.Context) error {
	data, err := os.ReadFile(cl.kubeconfigFor("admin"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cl.Kubeconfig), 0o755); err != nil {
		return err
	}
	return os.WriteFile(cl.Kubeconfig, data, 0o600)
}
