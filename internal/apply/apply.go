package apply

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FieldManager is the one field manager of every apply the operator makes.
const FieldManager = "scidata-operator"

// Named is what every typed apply configuration of client-go offers.
type Named interface {
	runtime.ApplyConfiguration
	GetName() *string
	GetNamespace() *string
}

// Result says what Ensure did.
type Result int

// Results of Ensure.
const (
	Unchanged Result = iota
	Created
	Updated
)

// Ensure applies desired unless the live object already holds exactly what
// this field manager applied last. live is an empty object of the kind,
// filled by Ensure; extract is client-go's Extract<Kind> function.
func Ensure[O client.Object, AC Named](ctx context.Context, c client.Client, desired AC, live O, extract func(O, string) (AC, error)) (Result, error) {
	key := types.NamespacedName{Name: deref(desired.GetName()), Namespace: deref(desired.GetNamespace())}
	err := c.Get(ctx, key, live)
	switch {
	case apierrors.IsNotFound(err):
		if err := c.Apply(ctx, desired, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return Unchanged, fmt.Errorf("create %s: %w", key, err)
		}
		return Created, nil
	case err != nil:
		return Unchanged, fmt.Errorf("get %s: %w", key, err)
	}
	applied, err := extract(live, FieldManager)
	if err != nil {
		return Unchanged, fmt.Errorf("extract %s: %w", key, err)
	}
	if equality.Semantic.DeepEqual(applied, desired) {
		return Unchanged, nil
	}
	if err := c.Apply(ctx, desired, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return Unchanged, fmt.Errorf("apply %s: %w", key, err)
	}
	return Updated, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateOnce returns the object at key, read into live, and creates it with
// build when there is none: build generates what it holds (crypto/rand, a
// new key) only then. What CreateOnce makes is never rewritten. created
// says whether this call made it. When another pass made it first (the
// cache had not shown it yet), the one that exists is read again and
// returned; if the cache still lacks it, the error is returned and the pass
// retried.
func CreateOnce[O client.Object](ctx context.Context, c client.Client, key types.NamespacedName, live O, build func() (O, error)) (obj O, created bool, err error) {
	err = c.Get(ctx, key, live)
	if err == nil {
		return live, false, nil
	}
	if !apierrors.IsNotFound(err) {
		return obj, false, fmt.Errorf("get %s: %w", key, err)
	}
	want, err := build()
	if err != nil {
		return obj, false, err
	}
	err = c.Create(ctx, want)
	switch {
	case err == nil:
		return want, true, nil
	case apierrors.IsAlreadyExists(err):
		if err := c.Get(ctx, key, live); err != nil {
			return obj, false, fmt.Errorf("%s was created meanwhile and cannot be read yet: %w", key, err)
		}
		return live, false, nil
	default:
		return obj, false, fmt.Errorf("create %s: %w", key, err)
	}
}
