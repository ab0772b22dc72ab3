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
// city's policy, whose status lists hundreds of projects): read them, never
// change them.
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
