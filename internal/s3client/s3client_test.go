package s3client

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostPortAcceptsOnlyTLSEndpoints(t *testing.T) {
	for in, want := range map[string]string{
		"objectstore.scidata-water.svc:9000":         "objectstore.scidata-water.svc:9000",
		"https://objectstore.scidata-water.svc:9000": "objectstore.scidata-water.svc:9000",
		"http://objectstore:9000":                    "",
		"https://":                                   "",
	} {
		got, err := HostPort(in)
		if want == "" {
			if err == nil || !strings.Contains(err.Error(), "want host:port or https://host:port") {
				t.Errorf("HostPort(%q) = %q, %v; want it refused", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("HostPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRootsRefusesAFileWithoutCertificates(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(f, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Roots(f); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Fatalf("got %v", err)
	}
	if _, err := Roots(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}
