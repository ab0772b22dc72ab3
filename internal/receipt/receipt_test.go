package receipt

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

var manifest = []byte(`{"objects":[{"path":"a.csv","size":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}`)

func samplePayload() Payload {
	return Payload{
		Submission:     Ref{Namespace: "scidata-water", Name: "rainfall-3f2a9c1b", UID: "u-1"},
		Entry:          Ref{Namespace: "scidata-water", Name: "rainfall", UID: "u-2"},
		Department:     "water",
		ContentVersion: "2024.06",
		Destination:    "water/rainfall/2024.06/",
		ManifestDigest: Digest(manifest),
		Objects:        1,
		Bytes:          3,
		ReceivedAt:     time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC),
	}
}

func TestGenuineReceiptVerifies(t *testing.T) {
	pub, priv := newKey(t)
	r, err := Sign(priv, samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Verify(r, KeyID(pub), pub)
	if err != nil {
		t.Fatalf("genuine receipt rejected: %v", err)
	}
	if p.Version != PayloadVersion || p.Department != "water" || p.Objects != 1 {
		t.Errorf("payload not round-tripped: %+v", p)
	}
	if err := VerifyManifest(p, manifest); err != nil {
		t.Errorf("genuine manifest rejected: %v", err)
	}
}

// Every single-byte change of the signed payload or of the signature must be
// rejected: the receipt signs exact bytes.
func TestAnyChangedByteIsRejected(t *testing.T) {
	pub, priv := newKey(t)
	r, err := Sign(priv, samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := base64.StdEncoding.DecodeString(r.Payload)
	for i := range body {
		changed := append([]byte(nil), body...)
		changed[i] ^= 0x01
		bad := r
		bad.Payload = base64.StdEncoding.EncodeToString(changed)
		if _, err := Verify(bad, KeyID(pub), pub); err == nil {
			t.Fatalf("payload with byte %d changed was accepted", i)
		}
	}
	sig, _ := base64.StdEncoding.DecodeString(r.Signature)
	for i := range sig {
		changed := append([]byte(nil), sig...)
		changed[i] ^= 0x80
		bad := r
		bad.Signature = base64.StdEncoding.EncodeToString(changed)
		if _, err := Verify(bad, KeyID(pub), pub); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signature with byte %d changed: got %v, want ErrBadSignature", i, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	good, err := Sign(priv, samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	byOther, err := Sign(otherPriv, samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    Receipt
		pin  string
		key  ed25519.PublicKey
		want error
	}{
		{"key does not match the pinned fingerprint", good, KeyID(otherPub), pub, ErrKeyMismatch},
		{"signed by another key than the pinned one", byOther, KeyID(pub), pub, ErrKeyMismatch},
		{"another key presented under the pinned receipt's ID", relabel(byOther, KeyID(pub)), KeyID(pub), pub, ErrBadSignature},
		{"payload not base64", Receipt{Payload: "%%%", Signature: good.Signature, KeyID: good.KeyID}, KeyID(pub), pub, ErrMalformed},
		{"truncated public key", good, KeyID(pub), pub[:16], ErrKeyMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Verify(tc.r, tc.pin, tc.key); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func relabel(r Receipt, keyID string) Receipt { r.KeyID = keyID; return r }

func TestTamperedManifestIsRejected(t *testing.T) {
	pub, priv := newKey(t)
	r, _ := Sign(priv, samplePayload())
	p, err := Verify(r, KeyID(pub), pub)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), manifest...)
	tampered[len(tampered)-5] = 'f'
	if err := VerifyManifest(p, tampered); !errors.Is(err, ErrManifest) {
		t.Fatalf("tampered manifest: got %v, want ErrManifest", err)
	}
}

// Rotating the key appends to the key set, so a receipt signed by the old
// key still verifies through the set.
func TestRotationKeepsOldReceiptsVerifiable(t *testing.T) {
	oldPub, oldPriv := newKey(t)
	newPub, _ := newKey(t)
	var set KeySet
	if !set.Append(oldPub, time.Unix(0, 0)) {
		t.Fatal("first key not appended")
	}
	if set.Append(oldPub, time.Unix(1, 0)) {
		t.Fatal("same key appended twice")
	}
	set.Append(newPub, time.Unix(2, 0))
	r, _ := Sign(oldPriv, samplePayload())
	key, err := set.Lookup(r.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(r, KeyID(oldPub), key); err != nil {
		t.Fatalf("old receipt after rotation: %v", err)
	}
	set.Keys[0].PublicKey = set.Keys[1].PublicKey
	if _, err := set.Lookup(r.KeyID); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("a key set listing a key under another key's ID: got %v, want ErrKeyMismatch", err)
	}
}

func TestPrivateKeyRoundTrips(t *testing.T) {
	_, priv := newKey(t)
	b, err := MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKey(b)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("key did not round-trip: %v", err)
	}
	if _, err := ParsePrivateKey([]byte("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n")); err == nil {
		t.Fatal("a certificate parsed as a signing key")
	}
}
