package controllers

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// observe gathers the facts the decision needs: the entry, the platform
// that asks (the request's namespace's), the platform that holds the entry,
// an earlier request in force for the same entry and namespace of use, and
// another entry of the owner whose data lies under the grant's prefix.
func (r *AccessRequestReconciler) observe(ctx context.Context, s *accessScope) error {
	s.facts.Now = s.now
	ref := s.ar.Spec.Entry
	var entry scidatav1.CatalogEntry
	switch err := r.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, &entry); {
	case err == nil:
		s.facts.Entry = &entry
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get entry %s/%s: %w", ref.Namespace, ref.Name, err)
	}
	var err error
	if s.facts.Requesting, err = r.platformOfNamespace(ctx, s.ar.Namespace); err != nil {
		return err
	}
	if s.owner, err = r.platformOfNamespace(ctx, ref.Namespace); err != nil {
		return err
	}
	if s.facts.InForce, err = r.requestInForce(ctx, s.ar); err != nil {
		return err
	}
	if s.facts.Entry != nil {
		var others scidatav1.CatalogEntryList
		if err := r.List(ctx, &others, client.InNamespace(ref.Namespace)); err != nil {
			return fmt.Errorf("list the entries of %s: %w", ref.Namespace, err)
		}
		s.facts.Overlap = access.Overlap(s.facts.Entry, others.Items)
	}
	return nil
}

// platformOfNamespace is the DataPlatform a namespace belongs to, by the
// label the operator alone sets; nil when none.
func (r *AccessRequestReconciler) platformOfNamespace(ctx context.Context, ns string) (*scidatav1.DataPlatform, error) {
	var n corev1.Namespace
	if err := r.Get(ctx, types.NamespacedName{Name: ns}, &n); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	name := n.Labels[scidatav1.LabelPlatform]
	if name == "" {
		return nil, nil
	}
	var p scidatav1.DataPlatform
	if err := r.Get(ctx, types.NamespacedName{Name: name}, &p); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	return &p, nil
}

// requestInForce names the earliest other request for the same entry and
// namespace of use that has not ended, when it came before this one; ""
// otherwise. Of two, the older goes on and the newer waits.
func (r *AccessRequestReconciler) requestInForce(ctx context.Context, ar *scidatav1.AccessRequest) (string, error) {
	if ptr.Deref(ar.Status.State, "").Final() {
		return "", nil
	}
	var list scidatav1.AccessRequestList
	key := ar.Spec.Entry.Namespace + "/" + ar.Spec.Entry.Name
	if err := r.List(ctx, &list, client.MatchingFields{indexAccessEntry: key}); err != nil {
		return "", fmt.Errorf("list the requests for %s: %w", key, err)
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == ar.UID || o.Spec.UseNamespace != ar.Spec.UseNamespace || ptr.Deref(o.Status.State, "").Final() || o.Spec.Withdrawn != nil || !o.DeletionTimestamp.IsZero() {
			continue
		}
		if before(o, ar) {
			return o.Namespace + "/" + o.Name, nil
		}
	}
	return "", nil
}

// before orders requests by creation, then by namespace and name.
func before(a, b *scidatav1.AccessRequest) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

func effectiveSharing(e *scidatav1.CatalogEntry, now time.Time) scidatav1.SharingMode {
	return sharing.Compute(&e.Spec, now).Mode
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
