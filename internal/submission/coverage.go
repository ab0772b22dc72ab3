package submission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// Coverage is an entry and every policy, of its own namespace or the
// Center's, that covers it.
type Coverage struct {
	Entry    *scidatav1.CatalogEntry
	Policies []*scidatav1.SubmissionPolicy
}

// FetchCoverage reads an entry, its namespace's labels and the policies
// that cover it: the one read the CatalogEntry, Submission and
// SubmissionPolicy controllers share. It returns nil, and no error, when the
// entry does not exist.
func FetchCoverage(ctx context.Context, c client.Reader, entry types.NamespacedName) (*Coverage, error) {
	var e scidatav1.CatalogEntry
	if err := c.Get(ctx, entry, &e); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("get entry %s: %w", entry, err)
	}
	policies, err := CoveringPolicies(ctx, c, &e)
	if err != nil {
		return nil, err
	}
	return &Coverage{Entry: &e, Policies: policies}, nil
}

// CoveringPolicies reads the labels of e's namespace (a city-wide policy
// selects namespaces by them) and returns the policies that cover e. A
// namespace that is gone has no labels. The policies are the reader's own
// (from the manager's cache, not copies: every entry's pass reads the
// city's policies): read them, never change them.
func CoveringPolicies(ctx context.Context, c client.Reader, e *scidatav1.CatalogEntry) ([]*scidatav1.SubmissionPolicy, error) {
	var ns corev1.Namespace
	if err := c.Get(ctx, types.NamespacedName{Name: e.Namespace}, &ns); client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("get namespace %s: %w", e.Namespace, err)
	}
	var out []*scidatav1.SubmissionPolicy
	for _, namespace := range uniq(e.Namespace, platform.CenterNamespace) {
		var list scidatav1.SubmissionPolicyList
		if err := c.List(ctx, &list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("list policies in %s: %w", namespace, err)
		}
		for i := range list.Items {
			if p := &list.Items[i]; Covers(p, e, ns.Labels, platform.CenterNamespace) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// PolicyNamespaces are the namespaces whose policies may cover an object of
// namespace: its own and the Center's.
func PolicyNamespaces(namespace string) []string { return uniq(namespace, platform.CenterNamespace) }

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// NamespaceSeen reports whether the cache shows namespace ns as a
// platform's (labelled scidata.io/platform by the operator). Until it
// does, which policies cover its entries is not known: a city policy
// selects namespaces by their labels, and a Submission made before the
// labels are seen would miss the city's terms.
func NamespaceSeen(ctx context.Context, c client.Reader, ns string) (bool, error) {
	var n corev1.Namespace
	if err := c.Get(ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return n.Labels[scidatav1.LabelPlatform] != "", nil
}

// ForVersion is the Submission of an entry's content version, whatever it
// is named (a windowed one carries its window in its name), found by its
// labels; nil when there is none. Of several (one per window is the most
// there can be), the latest made.
func ForVersion(ctx context.Context, c client.Reader, namespace, entry, contentVersion string) (*scidatav1.Submission, error) {
	// The deterministic name first: one read, and the only one a city
	// without windows ever needs.
	var byName scidatav1.Submission
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: Name(entry, contentVersion)}, &byName)
	if err == nil && byName.Spec.Entry.Name == entry && byName.Spec.ContentVersion == contentVersion && byName.Spec.Window == nil {
		return &byName, nil
	}
	if client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("get submission of %s/%s: %w", namespace, entry, err)
	}
	var list scidatav1.SubmissionList
	if err := c.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels{LabelEntry: entry, LabelVersionHash: VersionHash(contentVersion)}); err != nil {
		return nil, fmt.Errorf("list submissions of %s/%s: %w", namespace, entry, err)
	}
	var out *scidatav1.Submission
	for i := range list.Items {
		s := &list.Items[i]
		if s.Spec.Entry.Name != entry || s.Spec.ContentVersion != contentVersion {
			continue
		}
		if out == nil || out.CreationTimestamp.Before(&s.CreationTimestamp) || (out.CreationTimestamp.Equal(&s.CreationTimestamp) && s.Name > out.Name) {
			out = s
		}
	}
	return out, nil
}
