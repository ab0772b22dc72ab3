package reconcilekit

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// MinRequeue is the requeue for a moment already passed (a slow pass, a
// clock that moved on): it is looked at again after one second, never in a
// hot loop. A moment still ahead is waited for exactly.
const MinRequeue = time.Second

// RequeueAt asks to be called again at at, and not at all when at is
// zero: the watches bring every other change. A moment already passed is
// MinRequeue away. A moment ahead is waited for exactly, or, with a jitter
// set (SetRequeueJitter), up to that jitter later and never earlier.
func RequeueAt(now, at time.Time) ctrl.Result {
	if at.IsZero() {
		return ctrl.Result{}
	}
	d := at.Sub(now)
	if d <= 0 {
		return ctrl.Result{RequeueAfter: MinRequeue}
	}
	return ctrl.Result{RequeueAfter: d + jitter(d)}
}

// requeueJitter is the most a requeue at a moment may come after it.
var requeueJitter atomic.Int64

// SetRequeueJitter lets every RequeueAt come back up to max after its
// moment (and at most a tenth of the wait after it), drawn at random for
// each pass: objects whose moments coincide (embargoes that end at the
// same midnight, certificates issued in the same minute and renewed
// together) are then not all reconciled at once. Never earlier, so no
// pass runs before the change it waits for. The manager sets it from
// --requeue-jitter, as Flux's controllers set theirs from
// --interval-jitter-percentage; unset (in tests), requeues are exact.
func SetRequeueJitter(max time.Duration) { requeueJitter.Store(int64(max)) }

func jitter(wait time.Duration) time.Duration {
	j := min(time.Duration(requeueJitter.Load()), wait/10)
	if j <= 0 {
		return 0
	}
	return rand.N(j + 1)
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
