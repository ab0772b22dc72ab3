package access

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Names of what a grant makes, from its id.
const (
	// SecretPrefix starts the name of the grant's Secret in the namespace
	// of use.
	SecretPrefix = "scidata-grant-"
	// PolicyPrefix starts the names of the grant's NetworkPolicies (one in
	// the namespace of use, one in the owner's).
	PolicyPrefix = "access-grant-"
	// CheckJobPrefix starts the name of the Job that checks the grant from
	// the namespace of use.
	CheckJobPrefix = "grant-check-"
	// ComponentGrant and ComponentGrantCheck are the values of
	// app.kubernetes.io/component on what a grant makes and on its check
	// Job and pod.
	ComponentGrant      = "access-grant"
	ComponentGrantCheck = "grant-check"
)

// GrantID names a request's grant: "g" and the first 16 hex of the SHA-256
// of namespace/name. It fits a label value, a bucket-policy statement id and
// object names, and the same request always gets the same id.
func GrantID(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	return "g" + hex.EncodeToString(sum[:])[:16]
}

// SecretName is the grant's Secret in the namespace of use.
func SecretName(id string) string { return SecretPrefix + id }

// PolicyName is the name of the grant's NetworkPolicies.
func PolicyName(id string) string { return PolicyPrefix + id }

// CheckJobName is the grant's check Job in the namespace of use.
func CheckJobName(id string) string { return CheckJobPrefix + id }

// PodLabel is the label a pod carries to use the grant, as key=value.
func PodLabel(id string) string { return scidatav1.LabelAccessGrant + "=" + id }

// Prefix is what a grant of data under prefix reads: the prefix, ending in
// "/". A grant of "hydro" reads "hydro/...", never "hydrology/...".
func Prefix(prefix string) string {
	if strings.HasSuffix(prefix, "/") {
		return prefix
	}
	return prefix + "/"
}

// Overlap names the first of others (entries of the same platform) whose
// data lies under the grant's prefix of e: its own prefix, as a grant would
// read it, starts with e's. e itself is skipped; "" when none does.
func Overlap(e *scidatav1.CatalogEntry, others []scidatav1.CatalogEntry) string {
	mine := Prefix(e.Spec.Data.Prefix)
	for i := range others {
		o := &others[i]
		if o.Namespace == e.Namespace && o.Name == e.Name {
			continue
		}
		if strings.HasPrefix(Prefix(o.Spec.Data.Prefix), mine) {
			return o.Namespace + "/" + o.Name
		}
	}
	return ""
}
