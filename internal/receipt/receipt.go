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

// PayloadVersion identifies the payload's schema. Version 2 adds the
// department's reviewer, the gates passed and the curator; a version 1
// receipt, signed before them, verifies as it always did.
const (
	PayloadVersion   = "scidata.io/receipt/v2"
	PayloadVersionV1 = "scidata.io/receipt/v1"
)

// Actor is who made a decision the receipt attests, and when.
type Actor struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

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
	// Reviewer is the department's reviewer who approved (v2; absent when
	// no review was required).
	Reviewer *Actor `json:"reviewer,omitempty"`
	// Gates are the acceptance gates the submission passed, in order (v2).
	Gates []string `json:"gates,omitempty"`
	// Curator is the Center's curator who accepted (v2; absent when the
	// city's policy asks for none).
	Curator *Actor `json:"curator,omitempty"`
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
	for _, a := range []*Actor{p.Reviewer, p.Curator} {
		if a != nil {
			a.At = a.At.UTC()
		}
	}
	return signJSON(key, p)
}

// signJSON marshals v once and signs those exact bytes.
func signJSON(key ed25519.PrivateKey, v any) (Receipt, error) {
	if len(key) != ed25519.PrivateKeySize {
		return Receipt{}, fmt.Errorf("signing key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	b, err := json.Marshal(v)
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

// PayloadDigest is "sha256:<hex>" of a receipt's signed payload bytes: what
// a project statement names a receipt by.
func PayloadDigest(r Receipt) (string, error) {
	body, err := base64.StdEncoding.DecodeString(r.Payload)
	if err != nil {
		return "", fmt.Errorf("%w: payload is not base64: %w", ErrMalformed, err)
	}
	return Digest(body), nil
}

// Verify checks that r was signed by pub, that pub is the key the verifier
// pinned (its fingerprint), and returns the payload it attests: a version
// 2 receipt, or a version 1 receipt issued before version 2 existed (which
// carries no reviewer, gates or curator).
func Verify(r Receipt, pinnedFingerprint string, pub ed25519.PublicKey) (Payload, error) {
	body, err := verifyBytes(r, pinnedFingerprint, pub)
	if err != nil {
		return Payload{}, err
	}
	var p Payload
	if err := decodeStrict(body, &p); err != nil {
		return Payload{}, fmt.Errorf("%w: payload is not a %s document: %w", ErrMalformed, PayloadVersion, err)
	}
	switch p.Version {
	case PayloadVersion:
	case PayloadVersionV1:
		if p.Reviewer != nil || p.Curator != nil || p.Gates != nil {
			return Payload{}, fmt.Errorf("%w: a %s payload carries fields of %s", ErrMalformed, PayloadVersionV1, PayloadVersion)
		}
	default:
		return Payload{}, fmt.Errorf("%w: payload version %q, want %q or %q", ErrMalformed, p.Version, PayloadVersion, PayloadVersionV1)
	}
	return p, nil
}

// verifyBytes checks the pin, the key and the signature, and returns the
// signed bytes.
func verifyBytes(r Receipt, pinnedFingerprint string, pub ed25519.PublicKey) ([]byte, error) {
	pin := strings.ToLower(strings.TrimSpace(pinnedFingerprint))
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key has %d bytes, want %d", ErrKeyMismatch, len(pub), ed25519.PublicKeySize)
	}
	got := KeyID(pub)
	if subtle.ConstantTimeCompare([]byte(got), []byte(pin)) != 1 {
		return nil, fmt.Errorf("%w: the public key's fingerprint is %s, the pinned one is %s", ErrKeyMismatch, got, pin)
	}
	if r.KeyID != got {
		return nil, fmt.Errorf("%w: the receipt names key %s, the pinned key is %s", ErrKeyMismatch, r.KeyID, got)
	}
	body, err := base64.StdEncoding.DecodeString(r.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64: %w", ErrMalformed, err)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, body, sig) {
		return nil, ErrBadSignature
	}
	return body, nil
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// VerifyManifest checks that manifest is exactly the manifest the payload
// attests.
func VerifyManifest(p Payload, manifest []byte) error {
	if got := Digest(manifest); got != p.ManifestDigest {
		return fmt.Errorf("%w: the manifest's digest is %s, the receipt attests %s", ErrManifest, got, p.ManifestDigest)
	}
	return nil
}
