package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"time"
)

// StatementVersion identifies a project statement's schema.
const StatementVersion = "scidata.io/project-statement/v1"

// StatementEntry is one dataset a project statement names: which entry, at
// which content version, received under which receipt.
type StatementEntry struct {
	Namespace      string `json:"namespace"`
	Entry          string `json:"entry"`
	Department     string `json:"department"`
	ContentVersion string `json:"contentVersion"`
	Submission     string `json:"submission"`
	// ReceiptDigest is PayloadDigest of the entry's receipt.
	ReceiptDigest string `json:"receiptDigest"`
}

// Statement is what a project statement (项目汇交声明) attests: that every
// dataset of the project was received by the Center, each by its receipt
// ("submit data first, then accept the project").
type Statement struct {
	Version   string           `json:"version"`
	ProjectID string           `json:"projectID"`
	Project   Ref              `json:"project"`
	Sequence  int32            `json:"sequence"`
	Entries   []StatementEntry `json:"entries"`
	IssuedAt  time.Time        `json:"issuedAt"`
}

// SignStatement marshals s once and signs those exact bytes, with the same
// key and in the same form as receipts.
func SignStatement(key ed25519.PrivateKey, s Statement) (Receipt, error) {
	if s.Version == "" {
		s.Version = StatementVersion
	}
	s.IssuedAt = s.IssuedAt.UTC()
	return signJSON(key, s)
}

// VerifyStatement checks a signed statement like a receipt and returns
// what it attests.
func VerifyStatement(r Receipt, pinnedFingerprint string, pub ed25519.PublicKey) (Statement, error) {
	body, err := verifyBytes(r, pinnedFingerprint, pub)
	if err != nil {
		return Statement{}, err
	}
	var s Statement
	if err := decodeStrict(body, &s); err != nil || s.Version != StatementVersion {
		return Statement{}, fmt.Errorf("%w: payload is not a %s document (version %q): %w", ErrMalformed, StatementVersion, s.Version, err)
	}
	return s, nil
}

// DecodeStatement reads a statement's payload without verifying it: for
// the signer, to compare what it signed before.
func DecodeStatement(r Receipt) (Statement, error) {
	body, err := base64.StdEncoding.DecodeString(r.Payload)
	if err != nil {
		return Statement{}, fmt.Errorf("%w: payload is not base64: %w", ErrMalformed, err)
	}
	var s Statement
	return s, decodeStrict(body, &s)
}
