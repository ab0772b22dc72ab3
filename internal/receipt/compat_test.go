package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// A receipt issued before version 2 (testdata/receipt-v1.json, signed by
// the code of that release with a fixed test key) still verifies, and is
// read as the version 1 payload it is.
func TestAVersion1ReceiptStillVerifies(t *testing.T) {
	b, err := os.ReadFile("testdata/receipt-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := os.ReadFile("testdata/keys-v1.json")
	set, err := ParseKeySet(ks)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := set.Lookup(r.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Verify(r, r.KeyID, pub)
	if err != nil {
		t.Fatalf("a version 1 receipt no longer verifies: %v", err)
	}
	if p.Version != PayloadVersionV1 || p.Reviewer != nil || p.Department != "water" || VerifyManifest(p, manifest) != nil {
		t.Errorf("payload %+v", p)
	}
}

// A version 2 receipt names the reviewer, the gates and the curator; a
// version 1 payload that claims them is refused.
func TestVersion2NamesReviewerGatesAndCurator(t *testing.T) {
	pub, priv := newKey(t)
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	p := samplePayload()
	p.Reviewer, p.Curator, p.Gates = &Actor{By: "alice@water", At: at}, &Actor{By: "carol@center", At: at}, []string{"Title", "Checksums"}
	r, err := Sign(priv, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(r, KeyID(pub), pub)
	if err != nil || got.Version != PayloadVersion || got.Reviewer.By != "alice@water" || got.Curator.By != "carol@center" || len(got.Gates) != 2 {
		t.Fatalf("payload %+v, %v", got, err)
	}
	p.Version = PayloadVersionV1
	forged, _ := Sign(priv, p)
	if _, err := Verify(forged, KeyID(pub), pub); !errors.Is(err, ErrMalformed) {
		t.Errorf("a v1 payload with v2 fields: %v, want ErrMalformed", err)
	}
}

// A project statement verifies offline, from the Project an auditor
// fetched, and any changed byte of its payload is refused.
func TestAProjectStatementVerifiesAndAChangedByteFails(t *testing.T) {
	pub, priv := newKey(t)
	st := Statement{ProjectID: "BZKJ-2023-ZD-017", Project: Ref{Namespace: "scidata-center", Name: "bzkj-2023-zd-017-1a2b3c4d", UID: "u"}, Sequence: 1,
		Entries:  []StatementEntry{{Namespace: "scidata-water", Entry: "rainfall", Department: "water", ContentVersion: "2024.06", Submission: "rainfall-x", ReceiptDigest: "sha256:00"}},
		IssuedAt: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	r, err := SignStatement(priv, st)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := yaml.Marshal(scidatav1.Project{
		TypeMeta: metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "Project"},
		Status:   scidatav1.ProjectStatus{Statements: []scidatav1.ProjectStatement{{Sequence: 1, Payload: r.Payload, Signature: r.Signature, KeyID: r.KeyID, IssuedAt: metav1.NewTime(st.IssuedAt)}}},
	})
	if !IsProject(doc) {
		t.Fatal("a Project is not read as one")
	}
	got, seq, err := ParseStatement(doc, 0)
	if err != nil || seq != 1 || got != r {
		t.Fatalf("statement %+v %d %v", got, seq, err)
	}
	back, err := VerifyStatement(got, KeyID(pub), pub)
	if err != nil || back.ProjectID != st.ProjectID || back.Entries[0].ReceiptDigest != "sha256:00" {
		t.Fatalf("statement %+v, %v", back, err)
	}
	body, _ := base64.StdEncoding.DecodeString(r.Payload)
	for i := range body {
		changed := append([]byte(nil), body...)
		changed[i] ^= 0x01
		bad := r
		bad.Payload = base64.StdEncoding.EncodeToString(changed)
		if _, err := VerifyStatement(bad, KeyID(pub), pub); err == nil {
			t.Fatalf("a statement with byte %d changed verified", i)
		}
	}
	if _, err := Verify(r, KeyID(pub), pub); err == nil {
		t.Error("a statement verified as a receipt")
	}
	if _, _, err := ParseStatement(doc, 2); !errors.Is(err, ErrNoStatementYet) {
		t.Errorf("statement 2: %v", err)
	}
	_ = ed25519.PublicKeySize
}
