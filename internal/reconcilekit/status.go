package reconcilekit

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StatusPatch is one pass's status write. It remembers the object as the
// pass read it; Write sends the difference in one merge patch to the status
// subresource, only when the status changed.
type StatusPatch struct {
	before client.Object
}

// NewStatusPatch remembers obj as read. Call it after the fetch and after
// any write of the object itself (such as adding the finalizer), so that
// the optimistic lock names the version the pass works from.
func NewStatusPatch(obj client.Object) *StatusPatch {
	return &StatusPatch{before: obj.DeepCopyObject().(client.Object)}
}

// Changed reports whether obj's status differs from the status read. It
// compares what the apiserver would store (the status as JSON values), so
// a difference the apiserver would not keep, such as the nanoseconds of a
// timestamp, is not a change.
func (p *StatusPatch) Changed(obj client.Object) (bool, error) {
	before, err := status(p.before)
	if err != nil {
		return false, err
	}
	after, err := status(obj)
	if err != nil {
		return false, err
	}
	return !equality.Semantic.DeepEqual(before, after), nil
}

// Write patches obj's status when it changed, with an optimistic lock on
// the version read: a conflict means the pass read a stale object, and is
// returned so that the pass is retried. An object deleted meanwhile has no
// status left to write, and is not an error.
func (p *StatusPatch) Write(ctx context.Context, c client.StatusClient, obj client.Object) error {
	changed, err := p.Changed(obj)
	if err != nil || !changed {
		return err
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("write status of %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

func status(obj client.Object) (any, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("read status of %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return u["status"], nil
}
