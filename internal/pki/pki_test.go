package pki

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

func TestIssuedCertificateVerifiesAgainstTheCA(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	ca, err := NewCA("scidata-operator CA", now)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"objectstore.scidata-water.svc", "objectstore"}
	certPEM, keyPEM, err := ca.Issue(names, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("issued pair does not load: %v", err)
	}
	reloaded, err := LoadCA(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if reloaded.NeedsRenewal(certPEM, names, now) {
		t.Error("a fresh certificate needs renewal")
	}
	if !reloaded.NeedsRenewal(certPEM, append(names, "other.example"), now) {
		t.Error("a certificate missing a name does not need renewal")
	}
	if !reloaded.NeedsRenewal(certPEM, names, now.Add(ServingValidity*2/3+time.Hour)) {
		t.Error("a certificate past two thirds of its life does not need renewal")
	}
	other, _ := NewCA("another CA", now)
	if !other.NeedsRenewal(certPEM, names, now) {
		t.Error("a certificate from another CA does not need renewal")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	if !RenewAt(certPEM).After(now) {
		t.Error("renewal time not after issue time")
	}
	if _, err := LoadCA(certPEM, keyPEM); err == nil {
		t.Error("a serving certificate loaded as a CA")
	}
}
