package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// The floor is what the operator's writes cost the apiserver by
// themselves: a raw client (no client-side rate limit, no informer, no
// reconcile), with as many workers as the run had (the apply's and every
// controller's), makes on the same apiserver the writes the operator's run
// needed, and nothing else:
//
//   - the city itself, as the bureau and the departments created it (as
//     the admin, like the run's apply);
//   - every object the manager created in the run, counted by kind from
//     the audit log and copied from what the run left (as the manager's
//     own identity, so RBAC and the admission policies weigh the same);
//   - one write for each object or status the manager changed: the final
//     status, or a metadata patch of the object.
//
// Copies go into new namespaces (floor-<name>) and cluster-scoped copies
// get a floor- name; no manager runs, so nothing reacts to them but what
// reacted in the run (the controller-manager, the scheduler, KWOK). The
// floor is a lower bound: it writes each object once, in three waves with
// no waiting between a write and what follows from it.
type floorPlan struct {
	// waves run one after the other; the writes in a wave run in parallel.
	waves [][]floorWrite
	count map[string]int // writes by "resource verb"
}

type floorWrite struct {
	key  string // "resource verb" for the count
	asOp bool   // as the manager's identity (else the admin)
	do   func(ctx context.Context, c dynamic.Interface) error
}

func (p *floorPlan) add(wave int, w floorWrite) {
	for len(p.waves) <= wave {
		p.waves = append(p.waves, nil)
	}
	p.waves[wave] = append(p.waves[wave], w)
	p.count[w.key]++
}

func (p *floorPlan) total() int {
	n := 0
	for _, v := range p.count {
		n += v
	}
	return n
}

func gvr(r resourceRef) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Resource}
}

const floorPrefix = "floor-"

// floorName maps a name of the run to its copy's, within the limits of a
// namespace name.
func floorName(name string) string {
	n := floorPrefix + strings.TrimPrefix(name, scidatav1.NamespacePrefix)
	if len(n) > 63 {
		n = n[:63]
	}
	return strings.TrimRight(n, "-")
}

// listAll lists a resource in every namespace, as the admin, in pages.
func listAll(ctx context.Context, c dynamic.Interface, r resourceRef) (map[string]*unstructured.Unstructured, error) {
	out := map[string]*unstructured.Unstructured{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		l, err := c.Resource(gvr(r)).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", r, err)
		}
		for i := range l.Items {
			o := &l.Items[i]
			out[o.GetNamespace()+"/"+o.GetName()] = o
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return out, nil
		}
	}
}

// copyFor strips what the apiserver set and moves the object to the
// floor's namespace (or name, for a cluster-scoped object).
func copyFor(o *unstructured.Unstructured, nsMap map[string]string) *unstructured.Unstructured {
	c := o.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(c.Object, "status")
	if ns := c.GetNamespace(); ns != "" {
		c.SetNamespace(nsMap[ns])
	} else {
		c.SetName(floorName(c.GetName()))
	}
	switch c.GetKind() {
	case "Service":
		if ip, _, _ := unstructured.NestedString(c.Object, "spec", "clusterIP"); ip != "None" {
			unstructured.RemoveNestedField(c.Object, "spec", "clusterIP")
			unstructured.RemoveNestedField(c.Object, "spec", "clusterIPs")
		}
	case "Namespace":
		unstructured.RemoveNestedField(c.Object, "spec")
	case "Event":
		// An Event lives in the namespace of what it is about, and in
		// default when that is cluster-scoped (a DataPlatform).
		about := "involvedObject"
		if c.GetAPIVersion() == "events.k8s.io/v1" {
			about = "regarding"
		}
		if ns, _, _ := unstructured.NestedString(c.Object, about, "namespace"); ns == "" {
			c.SetNamespace(o.GetNamespace())
			c.SetName(floorPrefix + c.GetName())
		}
		for _, ref := range []string{"involvedObject", "regarding", "related"} {
			if ns, ok, _ := unstructured.NestedString(c.Object, ref, "namespace"); ok && ns != "" {
				_ = unstructured.SetNestedField(c.Object, c.GetNamespace(), ref, "namespace")
			}
		}
	}
	return c
}

// planFloor builds the floor's writes from the run's counts and the
// objects the run left.
func planFloor(ctx context.Context, admin dynamic.Interface, ct *city, run *writeCounts) (*floorPlan, error) {
	plan := &floorPlan{count: map[string]int{}}
	full, other := floorNamespaces(ct, run)
	nsRef := resourceRef{Version: "v1", Resource: "namespaces"}
	plan.add(0, floorWrite{key: "namespaces create (the floor's own)", do: func(ctx context.Context, c dynamic.Interface) error {
		ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": other}}}
		_, err := c.Resource(gvr(nsRef)).Create(ctx, ns, metav1.CreateOptions{})
		return err
	}})
	if err := plan.addCity(ct, full); err != nil {
		return nil, err
	}
	live, err := plan.addCreated(ctx, admin, run, full)
	if err != nil {
		return nil, err
	}
	// One write per object or subresource the manager changed.
	for _, k := range run.Changed {
		objs := live[k.Ref]
		if objs == nil {
			if objs, err = listAll(ctx, admin, k.Ref); err != nil {
				return nil, err
			}
			live[k.Ref] = objs
		}
		o := objs[k.Namespace+"/"+k.Name]
		if o == nil {
			continue
		}
		ns, name := k.Namespace, k.Name
		if ns != "" {
			ns = full[ns]
		} else if copied(run, k, ct) {
			name = floorName(name)
		}
		plan.add(2, changeWrite(k, ns, name, o))
	}
	return plan, nil
}

// floorNamespaces maps every namespace of the run to its floor copy's:
// the namespaces the manager made and the platforms' to floor-<name>,
// and the others it wrote in (its own) to one more, other.
func floorNamespaces(ct *city, run *writeCounts) (full map[string]string, other string) {
	nsMap := map[string]string{}
	other = floorPrefix + "other"
	nsRef := resourceRef{Version: "v1", Resource: "namespaces"}
	for _, k := range run.Created[nsRef] {
		nsMap[k.Name] = floorName(k.Name)
	}
	for _, dp := range ct.Platforms {
		nsMap[platform.Namespace(dp)] = floorName(platform.Namespace(dp))
	}
	full = map[string]string{}
	for _, refs := range run.Created {
		for _, k := range refs {
			if k.Namespace == "" {
				continue
			}
			if m, ok := nsMap[k.Namespace]; ok {
				full[k.Namespace] = m
			} else {
				full[k.Namespace] = other
			}
		}
	}
	for k, v := range nsMap {
		full[k] = v
	}
	return full, other
}

// addCity adds the city, as its bureau and departments created it.
func (plan *floorPlan) addCity(ct *city, full map[string]string) error {
	for _, dp := range ct.Platforms {
		cp := dp.DeepCopy()
		cp.Name = floorName(dp.Name)
		cp.Spec.Role, cp.Spec.Department.Code = scidatav1.RoleDepartment, cp.Name
		cp.Spec.Network, cp.Spec.Upstream = nil, nil
		u, err := toUnstructured(cp)
		if err != nil {
			return err
		}
		plan.add(0, createWrite("dataplatforms.scidata.io create", false, resourceRef{scidatav1.GroupVersion.Group, scidatav1.GroupVersion.Version, "dataplatforms"}, u))
	}
	entryRef := resourceRef{scidatav1.GroupVersion.Group, scidatav1.GroupVersion.Version, "catalogentries"}
	for _, es := range ct.Entries {
		for _, e := range es {
			cp := e.DeepCopy()
			cp.Namespace = full[e.Namespace]
			u, err := toUnstructured(cp)
			if err != nil {
				return err
			}
			plan.add(1, createWrite("catalogentries.scidata.io create", false, entryRef, u))
		}
	}
	pol := ct.Policy.DeepCopy()
	pol.Namespace = full[pol.Namespace]
	u, err := toUnstructured(pol)
	if err != nil {
		return err
	}
	plan.add(1, createWrite("submissionpolicies.scidata.io create", false, resourceRef{scidatav1.GroupVersion.Group, scidatav1.GroupVersion.Version, "submissionpolicies"}, u))
	return nil
}

// addCreated adds what the manager created: namespaces and cluster-scoped
// objects in the first wave, RoleBindings in the third, the rest in the
// second. It returns the
// objects it listed, by resource.
func (plan *floorPlan) addCreated(ctx context.Context, admin dynamic.Interface, run *writeCounts, full map[string]string) (map[resourceRef]map[string]*unstructured.Unstructured, error) {
	refs := make([]resourceRef, 0, len(run.Created))
	for r := range run.Created {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	live := map[resourceRef]map[string]*unstructured.Unstructured{}
	for _, r := range refs {
		objs, err := listAll(ctx, admin, r)
		if err != nil {
			return nil, err
		}
		live[r] = objs
		for _, k := range run.Created[r] {
			o := objs[k.Namespace+"/"+k.Name]
			if o == nil {
				continue // gone since (an Event past its TTL): nothing to copy
			}
			wave := 1
			switch {
			case k.Namespace == "":
				wave = 0
			case r.Group == "rbac.authorization.k8s.io" && r.Resource == "rolebindings":
				// The apiserver refuses a binding to a Role that is not
				// there yet (its escalation check reads the Role): the
				// bindings follow the Roles, with the changes.
				wave = 2
			}
			plan.add(wave, createWrite(r.String()+" create", true, r, copyFor(o, full)))
		}
	}
	return live, nil
}

// copied says whether the floor made a copy of a cluster-scoped object the
// manager changed (the city's platforms, the namespaces it created).
func copied(run *writeCounts, k objectKey, ct *city) bool {
	for _, c := range run.Created[k.Ref] {
		if c.Name == k.Name {
			return true
		}
	}
	if k.Ref.Resource == "dataplatforms" {
		for _, dp := range ct.Platforms {
			if dp.Name == k.Name {
				return true
			}
		}
	}
	return false
}

func toUnstructured(o runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	return u, nil
}

func createWrite(key string, asOp bool, r resourceRef, o *unstructured.Unstructured) floorWrite {
	return floorWrite{key: key, asOp: asOp, do: func(ctx context.Context, c dynamic.Interface) error {
		var err error
		if ns := o.GetNamespace(); ns != "" {
			_, err = c.Resource(gvr(r)).Namespace(ns).Create(ctx, o, metav1.CreateOptions{})
		} else {
			_, err = c.Resource(gvr(r)).Create(ctx, o, metav1.CreateOptions{})
		}
		return err
	}}
}

// changeWrite is the one write the manager's changes of an object cost:
// its final status, or a patch of its metadata.
func changeWrite(k objectKey, ns, name string, live *unstructured.Unstructured) floorWrite {
	var patch []byte
	var subresources []string
	if k.Subresource == "status" {
		st, _, _ := unstructured.NestedMap(live.Object, "status")
		patch, _ = json.Marshal(map[string]any{"status": st})
		subresources = []string{"status"}
	} else {
		patch, _ = json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{"bench.scidata.io/floor": time.Now().UTC().Format(time.RFC3339Nano)}}})
	}
	key := k.Ref.String()
	if k.Subresource != "" {
		key += "/" + k.Subresource
	}
	return floorWrite{key: key + " patch", asOp: true, do: func(ctx context.Context, c dynamic.Interface) error {
		var err error
		if ns != "" {
			_, err = c.Resource(gvr(k.Ref)).Namespace(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, subresources...)
		} else {
			_, err = c.Resource(gvr(k.Ref)).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, subresources...)
		}
		return err
	}}
}

// runFloor makes the plan's writes with workers, wave after wave, and
// returns how long they took.
func runFloor(ctx context.Context, admin, op *rest.Config, workers int, plan *floorPlan) (time.Duration, error) {
	ac, err := dynamic.NewForConfig(admin)
	if err != nil {
		return 0, err
	}
	oc, err := dynamic.NewForConfig(op)
	if err != nil {
		return 0, err
	}
	p := newPool(ctx, workers)
	p.retryFor = 15 * time.Second // every namespace is made in the wave before
	defer p.close()
	start := time.Now()
	for i, wave := range plan.waves {
		for _, w := range wave {
			c := ac
			if w.asOp {
				c = oc
			}
			p.submit(func(ctx context.Context) error {
				return p.retrying(ctx, fmt.Sprintf("floor wave %d: %s", i, w.key), func(ctx context.Context) error { return w.do(ctx, c) })
			})
		}
		if err := p.wait(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
