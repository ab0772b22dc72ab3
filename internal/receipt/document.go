package receipt

import (
	"errors"

	"sigs.k8s.io/yaml"
)

// Errors ParseDocument reports; test with errors.Is.
var (
	ErrNoReceiptYet = errors.New("the Submission has no receipt yet")
	ErrNotAReceipt  = errors.New("neither a receipt nor a Submission")
)

// submission is the part of a Submission (YAML or JSON, as `kubectl get
// submission -o yaml` prints it) that holds its receipt. Its field names are
// the API's; a test checks them against the API type.
type submission struct {
	Kind   string `json:"kind"`
	Status struct {
		Receipt *Receipt `json:"receipt"`
	} `json:"status"`
}

// project is the part of a Project that holds its statements.
type project struct {
	Kind   string `json:"kind"`
	Status struct {
		Statements []struct {
			Sequence  int32  `json:"sequence"`
			Payload   string `json:"payload"`
			Signature string `json:"signature"`
			KeyID     string `json:"keyID"`
		} `json:"statements"`
	} `json:"status"`
}

// ErrNoStatementYet: the Project has no signed statement (of that sequence).
var ErrNoStatementYet = errors.New("the Project has no signed statement yet")

// IsProject reports whether b is a Project (YAML or JSON).
func IsProject(b []byte) bool {
	var p project
	return yaml.Unmarshal(b, &p) == nil && p.Kind == "Project"
}

// ParseStatement reads a project statement from a Project (`kubectl get
// project -o yaml`): the one numbered sequence, or the latest when
// sequence is 0.
func ParseStatement(b []byte, sequence int32) (Receipt, int32, error) {
	var p project
	if err := yaml.Unmarshal(b, &p); err != nil || p.Kind != "Project" {
		return Receipt{}, 0, ErrNotAReceipt
	}
	var best *Receipt
	var seq int32
	for _, st := range p.Status.Statements {
		if (sequence == 0 && st.Sequence > seq) || st.Sequence == sequence {
			best, seq = &Receipt{Payload: st.Payload, Signature: st.Signature, KeyID: st.KeyID}, st.Sequence
		}
	}
	if best == nil {
		return Receipt{}, 0, ErrNoStatementYet
	}
	return *best, seq, nil
}

// ParseDocument reads the receipt an auditor was given: a bare receipt
// ({payload, signature, keyID}, YAML or JSON) or a whole Submission holding
// one. Anything else is refused; the receipt is not verified here.
func ParseDocument(b []byte) (Receipt, error) {
	var sub submission
	if err := yaml.Unmarshal(b, &sub); err == nil && sub.Kind == "Submission" {
		if sub.Status.Receipt == nil {
			return Receipt{}, ErrNoReceiptYet
		}
		return *sub.Status.Receipt, nil
	}
	var r Receipt
	if err := yaml.UnmarshalStrict(b, &r); err != nil || r.Payload == "" {
		return Receipt{}, ErrNotAReceipt
	}
	return r, nil
}
