package reconcilekit

import (
	"context"
	"errors"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// MinRequeue is the requeue for a moment already passed (a slow pass, a
// clock that moved on): it is looked at again after one second, never in a
// hot loop. A moment still ahead is waited for exactly.
const MinRequeue = time.Second

// RequeueAt asks to be called again exactly at at, and not at all when at
// is zero: the watches bring every other change. A moment already passed
// is MinRequeue away.
func RequeueAt(now, at time.Time) ctrl.Result {
	if at.IsZero() {
		return ctrl.Result{}
	}
	d := at.Sub(now)
	if d <= 0 {
		d = MinRequeue
	}
	return ctrl.Result{RequeueAfter: d}
}

// Result is what a reconcile returns for a pass that computed res and
// ended with err. A Stalled error is not returned (retrying changes
// nothing); a Waiting one is not returned either, and asks to come back
// after its RequeueAfter if that is sooner than res's; any other error is
// returned, to be retried with backoff, and res dropped with it.
func Result(res ctrl.Result, err error) (ctrl.Result, error) {
	if _, ok := AsStalled(err); ok {
		return res, nil
	}
	if w, ok := AsWaiting(err); ok {
		if w.RequeueAfter > 0 && (res.RequeueAfter == 0 || w.RequeueAfter < res.RequeueAfter) {
			res.RequeueAfter = w.RequeueAfter
		}
		return res, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	return res, nil
}

// Finish ends a pass: it writes obj's status once if it changed, and
// returns what the reconcile returns (see Result). A failed status write
// is returned with the pass's own error, to be retried.
func Finish(ctx context.Context, c client.StatusClient, p *StatusPatch, obj client.Object, res ctrl.Result, err error) (ctrl.Result, error) {
	res, err = Result(res, err)
	if werr := p.Write(ctx, c, obj); werr != nil {
		return ctrl.Result{}, errors.Join(err, werr)
	}
	return res, err
}
