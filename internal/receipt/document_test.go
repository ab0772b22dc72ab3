package receipt

import (
	"encoding/json"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// ParseDocument takes a receipt bare or inside the Submission an auditor
// fetched (built from the API's own type, so the field names agree), and
// refuses anything else.
func TestParseDocumentReadsABareReceiptOrASubmission(t *testing.T) {
	r := Receipt{Payload: "cGF5bG9hZA==", Signature: "c2ln", KeyID: "ab12"}
	bareJSON, _ := json.Marshal(r)
	bareYAML, _ := yaml.Marshal(r)
	sub := func(rr *scidatav1.Receipt) []byte {
		b, _ := yaml.Marshal(scidatav1.Submission{
			TypeMeta:   metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "Submission"},
			ObjectMeta: metav1.ObjectMeta{Name: "rainfall-1", Namespace: "scidata-water-resources"},
			Status:     scidatav1.SubmissionStatus{Receipt: rr},
		})
		return b
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		err  error
	}{
		{"a bare receipt in JSON", bareJSON, nil},
		{"a bare receipt in YAML", bareYAML, nil},
		{"a Submission with its receipt", sub(&scidatav1.Receipt{Payload: r.Payload, Signature: r.Signature, KeyID: r.KeyID}), nil},
		{"a Submission not yet received", sub(nil), ErrNoReceiptYet},
		{"another kind", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), ErrNotAReceipt},
		{"a receipt with a field too many", []byte(`{"payload":"cGF5bG9hZA==","signature":"c2ln","keyID":"ab12","extra":1}`), ErrNotAReceipt},
		{"a receipt without payload", []byte(`{"signature":"c2ln","keyID":"ab12"}`), ErrNotAReceipt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDocument(tc.doc)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if tc.err == nil && got != r {
				t.Fatalf("got %+v, want %+v", got, r)
			}
		})
	}
}
