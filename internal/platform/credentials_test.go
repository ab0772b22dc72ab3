package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// The operator's generated key material as the builders make it, from
// fixed stand-ins for what crypto/rand and the CA produce: a reviewer sees
// every change of names, labels, types and immutability.
// `go test ./internal/platform -update` rewrites it.
func TestCredentialsGolden(t *testing.T) {
	water := dept("water-resources", nil)
	root := CredentialsSecret(water, Namespace(water), RootCredentialsName, ComponentObjectStore, "ROOTACCESSKEY0000000000A", "rootsecretkey000000000000000000000000000000000a")
	read := CredentialsSecret(water, Namespace(water), CenterReadCredentialsName, ComponentSync, "READACCESSKEY000000000AA", "readsecretkey00000000000000000000000000000000aa")
	objs := []any{
		root,
		read,
		MirroredCredentialsSecret(water, read, []byte("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n")),
		ServingCertificateSecret(water, []byte("-----BEGIN CERTIFICATE-----\nstore\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN EC PRIVATE KEY-----\nstore\n-----END EC PRIVATE KEY-----\n")),
		CASecret(cfg.OperatorNamespace, []byte("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN EC PRIVATE KEY-----\nca\n-----END EC PRIVATE KEY-----\n")),
		SigningKeySecret([]byte("-----BEGIN PRIVATE KEY-----\nreceipts\n-----END PRIVATE KEY-----\n")),
		ReceiptKeySet("keys.json", []byte(`{"keys":[]}`)),
		GrantsSecret(water),
	}
	var out strings.Builder
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	path := filepath.Join("testdata", "credentials.golden.yaml")
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/platform -update)", err)
	}
	if string(want) != out.String() {
		t.Errorf("%s is not what the builders build; review the change and run go test ./internal/platform -update", path)
	}
}

// Nothing that holds keys carries an owner reference, and the account and
// signing keys can never be rewritten in place.
func TestKeyMaterialOutlivesItsPlatform(t *testing.T) {
	water := dept("water-resources", nil)
	read := CredentialsSecret(water, Namespace(water), CenterReadCredentialsName, ComponentSync, "a", "s")
	mirror := MirroredCredentialsSecret(water, read, []byte("ca"))
	if mirror.Namespace != CenterNamespace || mirror.Name != MirroredReadSecretName(water.Name) || string(mirror.Data[AccessKeyField]) != "a" || string(mirror.Data[SecretKeyField]) != "s" || string(mirror.Data[CABundleKey]) != "ca" {
		t.Errorf("mirror %s/%s holds %v", mirror.Namespace, mirror.Name, mirror.Data)
	}
	for _, s := range []*corev1.Secret{read, mirror, ServingCertificateSecret(water, nil, nil), CASecret("scidata-system", nil, nil), SigningKeySecret(nil), GrantsSecret(water)} {
		if len(s.OwnerReferences) != 0 {
			t.Errorf("%s/%s has an owner: deleting it would delete the keys", s.Namespace, s.Name)
		}
	}
	for _, s := range []*corev1.Secret{read, mirror, SigningKeySecret(nil)} {
		if s.Immutable == nil || !*s.Immutable {
			t.Errorf("%s/%s is not immutable", s.Namespace, s.Name)
		}
	}
}

// The empty grants Secret is what the store reads as no grant.
func TestAnEmptyGrantsSecretHoldsNoGrant(t *testing.T) {
	empty, err := storeboot.EncodeGrants(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := GrantsSecret(dept("water-resources", nil)).Data[storeboot.GrantsFile]; string(got) != string(empty) {
		t.Errorf("the grants Secret is made with %q; the store's empty grants file is %q", got, empty)
	}
}
