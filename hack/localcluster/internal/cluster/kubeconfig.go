package cluster

import (
	"encoding/base64"
	"fmt"
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
