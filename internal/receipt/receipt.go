package receipt

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PayloadVersion identifies the payload's schema.
const PayloadVersion = "scidata.io/receipt/v1"

// Ref identifies a Kubernetes object at the time of the receipt.
type Ref struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

// Payload is what a receipt attests: which submission of which entry, by
// which department, at which content version, and exactly what the Center
// holds for it (the manifest's digest, object count and bytes).
type Payload struct {
	Version        string    `json:"version"`
	Submission     Ref       `json:"submission"`
	Entry          Ref       `json:"entry"`
	Department     string    `json:"department"`
	ContentVersion string    `json:"contentVersion"`
	Destination    string    `json:"destination"`
	ManifestDigest string    `json:"manifestDigest"`
	Objects        int64     `json:"objects"`
	Bytes          int64     `json:"bytes"`
	ReceivedAt     time.Time `json:"receivedAt"`
}

// Receipt is a signed payload, in the form stored in a Submission's status
// and in the Center's store.
type Receipt struct {
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
	KeyID     string `json:"keyID"`
}

// Errors a verifier reports. Each is wrapped with detail; test with errors.Is.
var (
	ErrKeyMismatch  = errors.New("receipt was not signed by the pinned key")
	ErrBadSignature = errors.New("receipt signature does not match its payload")
	ErrMalformed    = errors.New("receipt is malformed")
	ErrManifest     = errors.New("manifest does not match the receipt")
)

// KeyID is the hex SHA-256 of a raw Ed25519 public key: the fingerprint an
// auditor pins.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// Digest is the manifest digest format receipts carry: "sha256:<hex>".
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Sign marshals p once and signs those exact bytes.
func Sign(key ed25519.PrivateKey, p Payload) (Receipt, error) {
	if len(key) != ed25519.PrivateKeySize {
		return Receipt{}, fmt.Errorf("signing key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if p.Version == "" {
		p.Version = PayloadVersion
	}
	p.ReceivedAt = p.ReceivedAt.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		return Receipt{}, fmt.Errorf("marshal payload: %w", err)
	}
	pub, _ := key.Public().(ed25519.PublicKey)
	return Receipt{
		Payload:   base64.StdEncoding.EncodeToString(b),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, b)),
		KeyID:     KeyID(pub),
	}, nil
}

// Verify checks that r was signed by pub, that pub is the key the verifier
// pinned (its fingerprint), and returns the payload it attests.
func Verify(r Receipt, pinnedFingerprint string, pub ed25519.PublicKey) (Payload, error) {
	pin := strings.ToLower(strings.TrimSpace(pinnedFingerprint))
	if len(pub) != ed25519.PublicKeySize {
		return Payload{}, fmt.Errorf("%w: public key has %d bytes, want %d", ErrKeyMismatch, len(pub), ed25519.PublicKeySize)
	}
	got := KeyID(pub)
	if subtle.ConstantTimeCompare([]byte(got), []byte(pin)) != 1 {
		return Payload{}, fmt.Errorf("%w: the public key's fingerprint is %s, the pinned one is %s", ErrKeyMismatch, got, pin)
	}
	if r.KeyID != got {
		return Payload{}, fmt.Errorf("%w: the receipt names key %s, the pinned key is %s", ErrKeyMismatch, r.KeyID, got)
	}
	body, err := base64.StdEncoding.DecodeString(r.Payload)
	if err != nil {
		return Payload{}, fmt.Errorf("%w: payload is not base64: %w", ErrMalformed, err)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil {
		return Payload{}, fmt.Errorf("%w: signature is not base64: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, body, sig) {
		return Payload{}, ErrBadSignature
	}
	var p Payload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Payload{}, fmt.Errorf("%w: payload is not a %s document: %w", ErrMalformed, PayloadVersion, err)
	}
	if p.Version != PayloadVersion {
		return Payload{}, fmt.Errorf("%w: payload version %q, want %q", ErrMalformed, p.Version, PayloadVersion)
	}
	return p, nil
}

// VerifyManifest checks that manifest is exactly the manifest the payload
// attests.
func VerifyManifest(p Payload, manifest []byte) error {
	if got := Digest(manifest); got != p.ManifestDigest {
		return fmt.Errorf("%w: the manifest's digest is %s, the receipt attests %s", ErrManifest, got, p.ManifestDigest)
	}
	return nil
}
