package cmd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// `receipt verify` accepts a genuine receipt, given bare or inside the
// Submission an auditor fetched, and refuses a wrong pin or a changed manifest.
func TestReceiptVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	manifest := []byte(`{"objects":[]}`)
	r, err := receipt.Sign(priv, receipt.Payload{Department: "water-resources", ContentVersion: "v1", ManifestDigest: receipt.Digest(manifest), ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var ks receipt.KeySet
	ks.Append(otherPub, time.Now())
	ks.Append(pub, time.Now())

	write := func(name string, v any) string {
		var b []byte
		switch v := v.(type) {
		case []byte:
			b = v
		default:
			b, _ = json.Marshal(v)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sub := scidatav1.Submission{
		TypeMeta:   metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "Submission"},
		ObjectMeta: metav1.ObjectMeta{Name: "rainfall-1", Namespace: "scidata-water-resources"},
		Status:     scidatav1.SubmissionStatus{Receipt: &scidatav1.Receipt{Payload: r.Payload, Signature: r.Signature, KeyID: r.KeyID}},
	}
	subYAML, _ := yaml.Marshal(sub)
	bare := write("receipt.json", r)
	inSub := write("submission.yaml", subYAML)
	keyset := write("keys.json", ks)
	good := write("manifest.json", manifest)
	bad := write("tampered.json", []byte(`{"objects":[{}]}`))

	cases := []struct {
		name    string
		args    []string
		genuine bool
	}{
		{"bare receipt with its manifest", []string{"--receipt", bare, "--manifest", good, "--fingerprint", receipt.KeyID(pub)}, true},
		{"receipt inside a Submission", []string{"--receipt", inSub, "--fingerprint", receipt.KeyID(pub)}, true},
		{"a tampered manifest", []string{"--receipt", bare, "--manifest", bad, "--fingerprint", receipt.KeyID(pub)}, false},
		{"pinned to another key of the set", []string{"--receipt", bare, "--fingerprint", receipt.KeyID(otherPub)}, false},
		{"a fingerprint not in the key set", []string{"--receipt", bare, "--fingerprint", "00" + receipt.KeyID(pub)[2:]}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"receipt", "verify", "--keyset", keyset}, tc.args...)
			err := Execute(args)
			if tc.genuine && err != nil {
				t.Fatalf("genuine receipt refused: %v", err)
			}
			if !tc.genuine && err == nil {
				t.Fatal("receipt accepted; want refused")
			}
		})
	}
}
