package admission

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// beforeRequiredClassification is the CatalogEntry CRD as it was before
// every entry had to state its classification: the current CRD without the
// rule that requires spec.classification, and with classification.level
// optional, defaulted to Public.
func beforeRequiredClassification(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	objs, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "scidata.io_catalogentries.yaml"))
	if err != nil || len(objs) != 1 {
		t.Fatalf("read the CatalogEntry CRD: %v", err)
	}
	crd := objs[0]
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		spec := []string{"schema", "openAPIV3Schema", "properties", "spec"}
		vm := v.(map[string]any)
		rules, _, _ := unstructured.NestedSlice(vm, append(spec, "x-kubernetes-validations")...)
		rules = slices.DeleteFunc(rules, func(r any) bool {
			return strings.HasPrefix(r.(map[string]any)["message"].(string), "classification is required")
		})
		if err := unstructured.SetNestedSlice(vm, rules, append(spec, "x-kubernetes-validations")...); err != nil {
			t.Fatal(err)
		}
		cls := append(spec, "properties", "classification")
		unstructured.RemoveNestedField(vm, append(cls, "required")...)
		_ = unstructured.SetNestedField(vm, "Public", append(cls, "properties", "level", "default")...)
	}
	_ = unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")
	return crd
}

// replaceCRD puts crd's spec in place of the live CRD of its name and
// waits until the apiserver serves it: until in force() holds.
func replaceCRD(t *testing.T, crd *unstructured.Unstructured, inForce func() error) {
	t.Helper()
	ctx := context.Background()
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(crd.GroupVersionKind())
	if err := env.Client.Get(ctx, types.NamespacedName{Name: crd.GetName()}, live); err != nil {
		t.Fatal(err)
	}
	live.Object["spec"] = crd.Object["spec"]
	if err := env.Client.Update(ctx, live); err != nil {
		t.Fatalf("replace the %s CRD: %v", crd.GetName(), err)
	}
	testenv.Eventually(t, 30*time.Second, inForce)
}

// An entry stored before classification was required (no classification
// at all) keeps taking edits that do not touch it, from its department
// and from the operator: CRD validation ratcheting lets an unchanged
// invalid field through. New entries, and edits of the classification,
// must state the level.
func TestEntriesStoredWithoutAClassificationTakeUnrelatedEdits(t *testing.T) {
	setup(t)
	ctx := context.Background()
	current, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "scidata.io_catalogentries.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	probe := func() client.Object {
		return without(func(name string) client.Object { return entry(ns, name) }, "spec", "classification")("ratchet-probe")
	}
	oldInForce := func() error { return env.Client.Create(ctx, probe(), client.DryRunAll) }
	newInForce := func() error {
		err := env.Client.Create(ctx, probe(), client.DryRunAll)
		if err == nil {
			return errors.New("an entry without a classification is accepted; want Invalid")
		}
		if !apierrors.IsInvalid(err) {
			return fmt.Errorf("an entry without a classification is answered %w; want Invalid", err)
		}
		return nil
	}
	replaceCRD(t, beforeRequiredClassification(t), oldInForce)
	t.Cleanup(func() { replaceCRD(t, current[0], newInForce) })

	stored := without(func(name string) client.Object { return entry(ns, name) }, "spec", "classification")("stored-before").(*unstructured.Unstructured)
	if err := as(t, owner).Create(ctx, stored); err != nil {
		t.Fatalf("the old CRD refused an entry without a classification: %v", err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, stored) })
	replaceCRD(t, current[0], newInForce)

	t.Run("the department edits its title", func(t *testing.T) {
		_ = unstructured.SetNestedField(stored.Object, "Hourly rainfall at hydrological stations, 2015-2024", "spec", "title")
		if err := as(t, owner).Update(ctx, stored); err != nil {
			t.Fatalf("an unrelated edit of an entry stored without a classification was refused: %v", err)
		}
	})
	t.Run("the department's robot re-applies it with a new content version", func(t *testing.T) {
		_ = unstructured.SetNestedField(stored.Object, "2024.07", "spec", "data", "contentVersion")
		if err := as(t, robot).Update(ctx, stored); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("the operator labels its duty", func(t *testing.T) {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"`+scidatav1.LabelDuty+`":"none"}}}`))
		if err := as(t, manager).Patch(ctx, stored, patch); err != nil {
			t.Fatalf("the operator's label patch was refused: %v", err)
		}
	})
	t.Run("an edit of its classification must state the level", func(t *testing.T) {
		_ = unstructured.SetNestedStringSlice(stored.Object, []string{"PersonalInformation"}, "spec", "classification", "sensitivities")
		_ = unstructured.SetNestedField(stored.Object, "Closed", "spec", "sharing", "mode")
		assertRejected(t, as(t, owner).Update(ctx, stored), "spec.classification.level", "Required value")
	})
}

// rule names CEL rules of a CRD: those at path (under the version's
// schema) whose message starts with prefix.
type rule struct {
	path   []string
	prefix string
}

// withoutRules is a CRD of config/crd/bases (file) without the rules
// named: the CRD as it was before them.
func withoutRules(t *testing.T, file string, drop ...rule) *unstructured.Unstructured {
	t.Helper()
	objs, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", file))
	if err != nil || len(objs) != 1 {
		t.Fatalf("read %s: %v", file, err)
	}
	crd := objs[0]
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		vm := v.(map[string]any)
		for _, d := range drop {
			at := append(append([]string{"schema", "openAPIV3Schema"}, d.path...), "x-kubernetes-validations")
			rules, _, _ := unstructured.NestedSlice(vm, at...)
			n := len(rules)
			rules = slices.DeleteFunc(rules, func(r any) bool { return strings.HasPrefix(r.(map[string]any)["message"].(string), d.prefix) })
			if len(rules) == n {
				t.Fatalf("%s has no rule at %v starting %q", file, d.path, d.prefix)
			}
			if err := unstructured.SetNestedSlice(vm, rules, at...); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")
	return crd
}

// An External platform stored before its CA, its network and the Center's
// read-only account were required keeps taking edits that do not touch
// them (the rules are optionalOldSelf: they hold for new objects and for
// an object that had the field); a new one must name them all.
func TestExternalPlatformsStoredBeforeTheirAccountsWereRequiredTakeUnrelatedEdits(t *testing.T) {
	setup(t)
	ctx := context.Background()
	const crdFile = "scidata.io_dataplatforms.yaml"
	current, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", crdFile))
	if err != nil {
		t.Fatal(err)
	}
	spec := []string{"properties", "spec"}
	ext := append(append([]string(nil), spec...), "properties", "objectStore", "properties", "external")
	old := withoutRules(t, crdFile,
		rule{spec, "objectStore.external.centerReadCredentialsSecret is required"},
		rule{ext, "objectStore.external.caSecret is required"},
		rule{ext, "objectStore.external.network is required"})

	bare := func(name string) *scidatav1.DataPlatform {
		p := externalDepartment(name)
		p.Spec.ObjectStore.External.CASecret, p.Spec.ObjectStore.External.Network, p.Spec.ObjectStore.External.CenterReadCredentialsSecret = nil, nil, nil
		return p
	}
	oldInForce := func() error { return env.Client.Create(ctx, bare("ratchet-probe"), client.DryRunAll) }
	newInForce := func() error {
		if err := env.Client.Create(ctx, bare("ratchet-probe"), client.DryRunAll); !apierrors.IsInvalid(err) {
			return fmt.Errorf("an External platform without its CA, network and read-only account is answered %w; want Invalid", err)
		}
		return nil
	}
	replaceCRD(t, old, oldInForce)
	t.Cleanup(func() { replaceCRD(t, current[0], newInForce) })
	stored := bare("stored-before")
	if err := env.Client.Create(ctx, stored); err != nil {
		t.Fatalf("the old CRD refused an External platform without them: %v", err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, stored) })
	replaceCRD(t, current[0], newInForce)

	t.Run("the bureau adds an owner", func(t *testing.T) {
		stored.Spec.Owners.Users = append(stored.Spec.Owners.Users, "deputy@water-resources")
		if err := env.Client.Update(ctx, stored); err != nil {
			t.Fatalf("an unrelated edit of a platform stored without them was refused: %v", err)
		}
	})
	t.Run("the bureau adds the CA later", func(t *testing.T) {
		stored.Spec.ObjectStore.External.CASecret = &scidatav1.SecretKeyReference{Name: "city-s3-ca"}
		if err := env.Client.Update(ctx, stored); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("the CA, once named, cannot be removed", func(t *testing.T) {
		stored.Spec.ObjectStore.External.CASecret = nil
		assertRejected(t, env.Client.Update(ctx, stored), "spec.objectStore.external.caSecret", "objectStore.external.caSecret is required")
	})
}
