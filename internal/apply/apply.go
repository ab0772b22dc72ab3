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
