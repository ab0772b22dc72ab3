package reconcilekit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
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
		werr := fmt.Errorf("write status of %s: %w", client.ObjectKeyFromObject(obj), err)
		if refused(err) {
			// The status the pass computed will not be stored: say so in
			// the status that is, rather than leave an old Ready standing.
			if ferr := p.writeRefused(ctx, c, obj, err); ferr != nil {
				return errors.Join(werr, ferr)
			}
			return errors.Join(werr, Stalledf(scidatav1.ReasonStatusRefused, "the apiserver refused the status: %v", err))
		}
		return werr
	}
	return nil
}

// refused reports whether the apiserver refused a status write for what it
// holds (a bound, a rule, a policy), which retrying the same write cannot
// change; a conflict or an outage is not refused.
func refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsRequestEntityTooLargeError(err) || apierrors.IsBadRequest(err)
}

// writeRefused writes the status as it was read, with Stalled and Ready
// False saying why the newer one was refused, and observedGeneration of
// this pass (it is a verdict on this generation). Everything else keeps
// what the apiserver last accepted.
func (p *StatusPatch) writeRefused(ctx context.Context, c client.StatusClient, obj client.Object, cause error) error {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p.before)
	if err != nil {
		return err
	}
	status, _ := u["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
	}
	var conds []metav1.Condition
	if raw, ok := status["conditions"].([]any); ok {
		for _, item := range raw {
			m, _ := item.(map[string]any)
			var cond metav1.Condition
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &cond); err == nil {
				conds = append(conds, cond)
			}
		}
	}
	msg := fmt.Sprintf("the apiserver refused the status this pass computed, so the status shows what it last accepted: %v", cause)
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	NewConditions(&conds, obj.GetGeneration(), time.Now()).MarkStalled(scidatav1.ReasonStatusRefused, msg)
	list := make([]any, 0, len(conds))
	for i := range conds {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&conds[i])
		if err != nil {
			return err
		}
		list = append(list, m)
	}
	status["conditions"] = list
	status["observedGeneration"] = obj.GetGeneration()
	u["status"] = status
	fallback := p.before.DeepCopyObject().(client.Object)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, fallback); err != nil {
		return err
	}
	if changed, err := (&StatusPatch{before: p.before}).Changed(fallback); err != nil || !changed {
		return err
	}
	if err := c.Status().Patch(ctx, fallback, client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("write the refusal into the status of %s: %w", client.ObjectKeyFromObject(obj), err)
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
