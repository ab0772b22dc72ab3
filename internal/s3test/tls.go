package s3test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ips are the IP addresses a server certificate carries: 127.0.0.1, and
// host when it is another address.
func ips(host string) []net.IP {
	out := []net.IP{net.IPv4(127, 0, 0, 1)}
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
		out = append(out, ip)
	}
	return out
}

// certs is a CA and a server certificate for 127.0.0.1 it signed, as files.
type certs struct {
	caFile, certFile, keyFile string
	pool                      *x509.CertPool
}

// CA is a certificate authority a test brings (the operator's own, read
// from its Secret), PEM-encoded, to sign a server's certificate with.
type CA struct {
	CertPEM, KeyPEM []byte
}

// newCerts writes a CA (a fresh one, or o.CA) and a server certificate it
// signed for 127.0.0.1, o.Host, localhost and o.DNSNames into dir.
func newCerts(dir string, o Options) (*certs, error) {
	now := time.Now()
	var (
		ca    *x509.Certificate
		caKey crypto.Signer
		caDER []byte
		err   error
	)
	if o.CA != nil {
		ca, caKey, caDER, err = givenCA(o.CA)
	} else {
		ca, caKey, caDER, err = freshCA(now)
	}
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: o.host()},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips(o.host()), DNSNames: append([]string{"localhost"}, o.DNSNames...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	c := &certs{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key"), pool: x509.NewCertPool()}
	c.pool.AddCert(ca)
	for _, f := range []struct {
		path, typ string
		der       []byte
	}{{c.caFile, "CERTIFICATE", caDER}, {c.certFile, "CERTIFICATE", der}, {c.keyFile, "EC PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), 0o600); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// givenCA is the CA of Options.CA: its certificate, key and DER.
func givenCA(given *CA) (*x509.Certificate, crypto.Signer, []byte, error) {
	b, _ := pem.Decode(given.CertPEM)
	k, _ := pem.Decode(given.KeyPEM)
	if b == nil || k == nil {
		return nil, nil, nil, fmt.Errorf("s3test: Options.CA is not a PEM certificate and key")
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(k.Bytes)
	if err != nil {
		if parsed, err = x509.ParseECPrivateKey(k.Bytes); err != nil {
			return nil, nil, nil, fmt.Errorf("s3test: the CA's key: %w", err)
		}
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, nil, nil, fmt.Errorf("s3test: the CA's key cannot sign")
	}
	return ca, signer, b.Bytes, nil
}

// freshCA is a new CA, valid from an hour before now for a day.
func freshCA(now time.Time) (*x509.Certificate, crypto.Signer, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "s3test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca, key, der, nil
}
