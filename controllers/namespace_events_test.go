package controllers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// The Center's namespace brings every platform back (a department
// reconciled before it existed mirrors its read-only account there only
// then); any other platform namespace brings back its own platform only.
func TestTheCentersNamespaceBringsEveryPlatformBack(t *testing.T) {
	ctx := context.Background()
	var list scidatav1.DataPlatformList
	if err := env.Client.List(ctx, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) < 2 {
		dept := newPlatform("ns-events-dept", scidatav1.RoleDepartment, "ns-events-dept")
		if err := env.Client.Create(ctx, dept); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), dept) })
		ensureCenter(t)
		if err := env.Client.List(ctx, &list); err != nil {
			t.Fatal(err)
		}
	}
	r := &DataPlatformReconciler{Client: env.Client}
	center := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: platform.CenterNamespace,
		Labels: map[string]string{scidatav1.LabelPlatform: scidatav1.CenterName}}}
	if got := r.namespaceEvents(ctx, center); len(got) != len(list.Items) {
		t.Errorf("the Center's namespace brings back %d platforms; want all %d", len(got), len(list.Items))
	}
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-water",
		Labels: map[string]string{scidatav1.LabelPlatform: "water"}}}
	if got := r.namespaceEvents(ctx, other); len(got) != 1 || got[0].Name != "water" {
		t.Errorf("a department's namespace brings back %v; want its platform only", got)
	}
}
