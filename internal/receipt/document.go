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
