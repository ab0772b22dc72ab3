package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// Verification is the outcome of checking one Submission's receipt.
type Verification struct {
	Verified   bool   `json:"verified"`
	Submission string `json:"submission"`
	// KeyID is the fingerprint the receipt was checked against: the pinned
	// one, never one read from the cluster.
	KeyID string `json:"keyID"`
	// ManifestChecked is true when a manifest was given and matches the
	// receipt's digest.
	ManifestChecked bool             `json:"manifestChecked"`
	Payload         *receipt.Payload `json:"payload,omitempty"`
	Error           string           `json:"error,omitempty"`
}

// VerifyReceipt reads Submission namespace/name and the Center's published
// key set (ConfigMap receipt-keys in scidata-center, or keySet when given:
// the set as the Center's portal serves it) from the cluster and
// checks the receipt's signature with the key whose fingerprint the
// auditor pinned, that the receipt is about this Submission (namespace,
// name, UID, entry, content version), and, when manifest is not nil, that
// the manifest is the one the receipt attests. The cluster is not trusted
// for the key: a key set that does not hold the pinned fingerprint, or
// holds another key under it, fails.
func VerifyReceipt(ctx context.Context, c client.Reader, namespace, name, pinned string, keySet, manifest []byte) Verification {
	v := Verification{Submission: namespace + "/" + name, KeyID: pinned}
	p, err := verify(ctx, c, namespace, name, pinned, keySet, manifest)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Verified, v.Payload, v.ManifestChecked = true, &p, manifest != nil
	return v
}

func verify(ctx context.Context, c client.Reader, namespace, name, pinned string, keySet, manifest []byte) (receipt.Payload, error) {
	var s scidatav1.Submission
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &s); err != nil {
		return receipt.Payload{}, fmt.Errorf("get submission %s/%s: %w", namespace, name, err)
	}
	if s.Status.Receipt == nil {
		return receipt.Payload{}, receipt.ErrNoReceiptYet
	}
	if keySet == nil {
		var cm corev1.ConfigMap
		if err := c.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &cm); err != nil {
			return receipt.Payload{}, fmt.Errorf("get the published key set %s/%s (or give --keyset, from the Center's portal): %w", platform.CenterNamespace, platform.ReceiptKeysConfigMap, err)
		}
		keySet = []byte(cm.Data[receipt.KeySetField])
	}
	set, err := receipt.ParseKeySet(keySet)
	if err != nil {
		return receipt.Payload{}, err
	}
	pub, err := set.Lookup(pinned)
	if err != nil {
		return receipt.Payload{}, err
	}
	r := receipt.Receipt{Payload: s.Status.Receipt.Payload, Signature: s.Status.Receipt.Signature, KeyID: s.Status.Receipt.KeyID}
	p, err := receipt.Verify(r, pinned, pub)
	if err != nil {
		return receipt.Payload{}, err
	}
	if p.Submission.Namespace != s.Namespace || p.Submission.Name != s.Name || p.Submission.UID != string(s.UID) ||
		p.Entry.Name != s.Spec.Entry.Name || p.ContentVersion != s.Spec.ContentVersion {
		return receipt.Payload{}, fmt.Errorf("the receipt is genuine but about submission %s/%s (uid %s, entry %s, version %s), not this one",
			p.Submission.Namespace, p.Submission.Name, p.Submission.UID, p.Entry.Name, p.ContentVersion)
	}
	if manifest != nil {
		if err := receipt.VerifyManifest(p, manifest); err != nil {
			return receipt.Payload{}, err
		}
	}
	return p, nil
}

// ErrNotVerified is returned by PrintVerification for a receipt that did
// not verify, so the command exits non-zero.
var ErrNotVerified = errors.New("receipt not verified")

// PrintVerification writes the outcome as text.
func PrintVerification(w io.Writer, v Verification) error {
	if !v.Verified {
		fmt.Fprintf(w, "receipt of %s NOT verified: %s\n", v.Submission, v.Error)
		return ErrNotVerified
	}
	p := v.Payload
	fmt.Fprintf(w, "receipt of %s verified: signed by key %s\n", v.Submission, v.KeyID)
	fmt.Fprintf(w, "  entry %s/%s, department %s, version %s\n", p.Entry.Namespace, p.Entry.Name, p.Department, p.ContentVersion)
	fmt.Fprintf(w, "  %d objects, %d bytes at %s, received %s\n", p.Objects, p.Bytes, p.Destination, p.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z"))
	if v.ManifestChecked {
		fmt.Fprintf(w, "  manifest %s matches\n", p.ManifestDigest)
	} else {
		fmt.Fprintf(w, "  manifest %s not checked (give --manifest, read from the Center's store)\n", p.ManifestDigest)
	}
	return nil
}
