package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// identity is one client certificate the cluster issues.
type identity struct {
	// file is the base name of its .crt, .key and .kubeconfig.
	file string
	cn   string
	orgs []string
}

// identities are the clients of the apiserver. The Kubernetes components
// get their own well-known users (bound by the apiserver's bootstrap RBAC;
// the kubelet goes through the Node authorizer). The add-ons are test-grade
// cluster admins, named so that audit and logs show who did what.
func identities(nodeName string) []identity {
	return []identity{
		{"admin", "kubernetes-admin", []string{"system:masters"}},
		{"kube-controller-manager", "system:kube-controller-manager", nil},
		{"kube-scheduler", "system:kube-scheduler", nil},
		{"kubelet", "system:node:" + nodeName, []string{"system:nodes"}},
		{"kube-proxy", "system:kube-proxy", nil},
		{"coredns", "localcluster:coredns", []string{"system:masters"}},
		{"kube-router", "localcluster:kube-router", []string{"system:masters"}},
		{"local-path-provisioner", "localcluster:local-path-provisioner", []string{"system:masters"}},
		{"kwok", "localcluster:kwok", []string{"system:masters"}},
	}
}

// apiserverSANs are the names the apiserver's serving certificate holds:
// loopback, the node, and the kubernetes Service by address and by name.
func apiserverSANs(c *Config) ([]net.IP, []string) {
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(c.APIServiceIP)}
	if c.NodeIP != "" {
		ips = append(ips, net.ParseIP(c.NodeIP))
	}
	dns := []string{"localhost", c.NodeName, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + c.ClusterDomain}
	return ips, dns
}

type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func newCA(now time.Time) (*keyPair, []byte, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "scidata-localcluster-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return &keyPair{cert, key}, der, err
}

func (ca *keyPair) issue(tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = ca.cert.NotBefore
	tmpl.NotAfter = ca.cert.NotAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	return der, key, err
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "EC PRIVATE KEY", der, 0o600)
}

// GeneratePKI writes a fresh CA, the apiserver's serving certificate, the
// service-account signing key, a client certificate and kubeconfig per
// identity, and the user's admin kubeconfig.
func GeneratePKI(c *Config) error {
	dir := c.path("pki")
	ca, caDER, err := newCA(time.Now())
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "ca.crt"), "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "ca.key"), ca.key); err != nil {
		return err
	}
	ips, dns := apiserverSANs(c)
	der, key, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames:    dns,
	})
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "apiserver.crt"), "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "apiserver.key"), key); err != nil {
		return err
	}
	sa, err := newKey()
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), sa); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", pub, 0o644); err != nil {
		return err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	for _, id := range identities(c.NodeName) {
		der, key, err := ca.issue(&x509.Certificate{
			Subject:     pkix.Name{CommonName: id.cn, Organization: id.orgs},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		})
		if err != nil {
			return err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return err
		}
		kc := Kubeconfig(c.APIServerURL(), id.cn, caPEM,
			pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
		if err := os.WriteFile(c.kubeconfigFor(id.file), kc, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// kubeconfigFor is the kubeconfig path of one identity.
func (c *Config) kubeconfigFor(file string) string {
	return c.path("pki", file+".kubeconfig")
}
