package catalogentry

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

func kstatusOf(t *testing.T, e *scidatav1.CatalogEntry) kstatus.Status {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(e)
	if err != nil {
		t.Fatal(err)
	}
	res, err := kstatus.Compute(&unstructured.Unstructured{Object: m})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

// Flux and `kubectl wait` judge health with kstatus: an entry is Current
// after a pass, InProgress when its spec changed since, and Failed when
// it is stalled. Checked by kstatus's own code, not our reading of it.
func TestKstatusReadsEntriesAsFluxDoes(t *testing.T) {
	h := newHarness(t, newEntry("scidata-water-resources", "kstatus"))
	_, _, e := h.pass()
	if s := kstatusOf(t, e); s != kstatus.CurrentStatus {
		t.Fatalf("after a pass kstatus says %s; want Current", s)
	}
	e.Spec.Keywords = []string{"changed"}
	if err := env.Client.Update(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if s := kstatusOf(t, e); s != kstatus.InProgressStatus {
		t.Fatalf("after a spec change kstatus says %s; want InProgress until the next pass", s)
	}
	if _, _, e = h.pass(); kstatusOf(t, e) != kstatus.CurrentStatus {
		t.Fatalf("after the next pass kstatus says %s; want Current", kstatusOf(t, e))
	}

	stray := newHarness(t, newEntry("scratch-kstatus", "stray"))
	if _, _, e := stray.pass(); kstatusOf(t, e) != kstatus.FailedStatus {
		t.Fatalf("a stalled entry: kstatus says %s; want Failed", kstatusOf(t, e))
	}
}
