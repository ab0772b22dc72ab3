package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// tracker watches the city as the apiserver shows it (as the admin, from
// informers: no polling list of ten thousand entries competes with the
// operator) and records the moment it is converged:
//
//   - every platform Ready and StorageReady, at its current generation;
//   - every entry's status at its current generation, showing its
//     submission state: AwaitingReview for the entries the city's policy
//     covers (the policy requires review), NotRequired for the others;
//   - one Submission per covered entry, its status at its generation and
//     awaiting review;
//   - the city's policy Ready at its generation, counting every covered
//     entry as awaiting review;
//   - one Project per funded project in the Center's namespace, its status
//     at its generation listing every entry of the project with its
//     Submission awaiting review.
type tracker struct {
	cache   cache.Cache
	want    *city
	covered map[string]bool // ns/name of the entries the policy covers
	// projectSize is how many entries name each Project (by its name).
	projectSize map[string]int
	// expected are the objects of the city by kind and ns/name; others
	// (the floor's copies) are not tracked.
	expected map[string]map[string]bool

	mu         sync.Mutex
	platforms  map[string]bool
	entries    map[string]bool
	subs       map[string]bool
	projects   map[string]bool
	policyOK   bool
	namespaces map[string]bool // platform namespaces labelled by the operator
	nsWaiters  map[string][]chan struct{}
	applied    bool // every object of the city has been created
	converged  time.Time
	done       chan struct{}
}

func newTracker(cfg *rest.Config, c *city) (*tracker, error) {
	strip := cache.TransformStripManagedFields()
	ca, err := cache.New(cfg, cache.Options{Scheme: scheme.New(), DefaultTransform: strip})
	if err != nil {
		return nil, err
	}
	t := &tracker{cache: ca, want: c, covered: map[string]bool{},
		expected:  map[string]map[string]bool{"platform": {}, "entry": {}, "submission": {}, "project": {}},
		platforms: map[string]bool{}, entries: map[string]bool{}, subs: map[string]bool{}, projects: map[string]bool{}, projectSize: map[string]int{},
		namespaces: map[string]bool{}, nsWaiters: map[string][]chan struct{}{}, done: make(chan struct{})}
	for _, p := range c.Platforms {
		t.expected["platform"][p.Name] = true
	}
	for _, es := range c.Entries {
		for _, e := range es {
			key := e.Namespace + "/" + e.Name
			t.expected["entry"][key] = true
			if covers(e) {
				t.covered[key] = true
				t.expected["submission"][e.Namespace+"/"+submission.Name(e.Name, e.Spec.Data.ContentVersion)] = true
			}
			if f := e.Spec.Funding; f != nil && f.ProjectID != "" {
				name := submission.ProjectName(f.ProjectID)
				t.expected["project"][name] = true
				t.projectSize[name]++
			}
		}
	}
	return t, nil
}

// covers says whether the city's policy covers an entry: publicly funded
// (the policy selects scidata.io/funding government or mixed, and the duty
// the operator computes is mandatory for exactly these entries, classified
// ones being government-funded in the generated city).
func covers(e *scidatav1.CatalogEntry) bool {
	f := e.Spec.Funding
	return f != nil && (f.Source == scidatav1.FundingGovernment || f.Source == scidatav1.FundingMixed)
}

// start runs the informers and waits for them to sync.
func (t *tracker) start(ctx context.Context) error {
	for _, h := range []struct {
		obj client.Object
		fn  func(any)
	}{
		{&scidatav1.DataPlatform{}, t.onPlatform},
		{&scidatav1.CatalogEntry{}, t.onEntry},
		{&scidatav1.Submission{}, t.onSubmission},
		{&scidatav1.SubmissionPolicy{}, t.onPolicy},
		{&scidatav1.Project{}, t.onProject},
		{&corev1.Namespace{}, t.onNamespace},
	} {
		inf, err := t.cache.GetInformer(ctx, h.obj)
		if err != nil {
			return err
		}
		fn := h.fn
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    fn,
			UpdateFunc: func(_, o any) { fn(o) },
		}); err != nil {
			return err
		}
	}
	go func() { _ = t.cache.Start(ctx) }()
	if !t.cache.WaitForCacheSync(ctx) {
		return fmt.Errorf("the tracker's informers did not sync")
	}
	return nil
}

func current(gen, observed int64, conds []metav1.Condition, typ string) bool {
	return observed == gen && meta.IsStatusConditionTrue(conds, typ)
}

func (t *tracker) onPlatform(o any) {
	p := o.(*scidatav1.DataPlatform)
	ok := current(p.Generation, p.Status.ObservedGeneration, p.Status.Conditions, scidatav1.ConditionReady) &&
		meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionStorageReady)
	t.set("platform", t.platforms, p.Name, ok)
}

func (t *tracker) onEntry(o any) {
	e := o.(*scidatav1.CatalogEntry)
	key := e.Namespace + "/" + e.Name
	want := scidatav1.SubmissionNotRequired
	if t.covered[key] {
		want = scidatav1.SubmissionAwaitingReview
	}
	ok := e.Status.ObservedGeneration == e.Generation && e.Status.Submission != nil && e.Status.Submission.State == want
	t.set("entry", t.entries, key, ok)
}

func (t *tracker) onSubmission(o any) {
	s := o.(*scidatav1.Submission)
	c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReady)
	ok := s.Status.ObservedGeneration == s.Generation && c != nil && c.Reason == scidatav1.ReasonAwaitingReview
	t.set("submission", t.subs, s.Namespace+"/"+s.Name, ok)
}

// onProject: a Project is converged when its status, at its generation,
// lists every entry that names the project, each with its Submission
// awaiting review (only covered entries name a project in the city).
func (t *tracker) onProject(o any) {
	p := o.(*scidatav1.Project)
	if p.Namespace != platform.CenterNamespace {
		return
	}
	ok := p.Status.ObservedGeneration == p.Generation && int(p.Status.EntryCount) == t.projectSize[p.Name] && len(p.Status.Entries) == t.projectSize[p.Name]
	for _, e := range p.Status.Entries {
		ok = ok && e.Submission != "" && e.State == scidatav1.SubmissionAwaitingReview
	}
	t.set("project", t.projects, p.Name, ok)
}

func (t *tracker) onPolicy(o any) {
	p := o.(*scidatav1.SubmissionPolicy)
	if p.Namespace != t.want.Policy.Namespace || p.Name != t.want.Policy.Name {
		return
	}
	n := int32(len(t.covered))
	ok := current(p.Generation, p.Status.ObservedGeneration, p.Status.Conditions, scidatav1.ConditionReady) &&
		p.Status.SelectedEntries == n && p.Status.Counts.AwaitingReview == n
	t.mu.Lock()
	t.policyOK = ok
	t.checkLocked()
	t.mu.Unlock()
}

func (t *tracker) onNamespace(o any) {
	ns := o.(*corev1.Namespace)
	if ns.Labels[scidatav1.LabelPlatform] == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.namespaces[ns.Name] {
		t.namespaces[ns.Name] = true
		for _, ch := range t.nsWaiters[ns.Name] {
			close(ch)
		}
		delete(t.nsWaiters, ns.Name)
	}
}

// namespaceReady is closed once the operator has made (and labelled) the
// platform namespace ns.
func (t *tracker) namespaceReady(ns string) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan struct{})
	if t.namespaces[ns] {
		close(ch)
		return ch
	}
	t.nsWaiters[ns] = append(t.nsWaiters[ns], ch)
	return ch
}

func (t *tracker) set(kind string, m map[string]bool, key string, ok bool) {
	if !t.expected[kind][key] {
		return
	}
	t.mu.Lock()
	m[key] = ok
	t.checkLocked()
	t.mu.Unlock()
}

// markApplied says the whole city has been created: convergence can only
// be reached after.
func (t *tracker) markApplied() {
	t.mu.Lock()
	t.applied = true
	t.checkLocked()
	t.mu.Unlock()
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, ok := range m {
		if ok {
			n++
		}
	}
	return n
}

func (t *tracker) checkLocked() {
	if !t.converged.IsZero() || !t.applied || !t.policyOK {
		return
	}
	if countTrue(t.platforms) < len(t.want.Platforms) || countTrue(t.entries) < t.want.entryCount() || countTrue(t.subs) < len(t.covered) ||
		countTrue(t.projects) < len(t.projectSize) {
		return
	}
	t.converged = time.Now()
	close(t.done)
}

// progress says what is still missing, for a person watching the run.
func (t *tracker) progress() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("platforms Ready %d/%d, entries current %d/%d, Submissions awaiting review %d/%d, Projects current %d/%d, city policy current %v",
		countTrue(t.platforms), len(t.want.Platforms), countTrue(t.entries), t.want.entryCount(), countTrue(t.subs), len(t.covered),
		countTrue(t.projects), len(t.projectSize), t.policyOK)
}

// missing names some of the objects that are not converged.
func (t *tracker) missing(max int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range []struct {
		what string
		set  map[string]bool
	}{{"platform", t.platforms}, {"entry", t.entries}, {"submission", t.subs}, {"project", t.projects}} {
		var keys []string
		for k := range t.expected[m.what] {
			if !m.set[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(out) < max {
				out = append(out, m.what+" "+k)
			}
		}
	}
	return strings.Join(out, ", ")
}

// wait waits for convergence, printing progress every interval, up to
// timeout.
func (t *tracker) wait(ctx context.Context, timeout, interval time.Duration, say func(string, ...any), alive func() error) (time.Time, error) {
	deadline := time.After(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return t.converged, nil
		case <-deadline:
			return time.Time{}, fmt.Errorf("not converged after %s: %s; not yet: %s", timeout, t.progress(), t.missing(8))
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-tick.C:
			if err := alive(); err != nil {
				return time.Time{}, err
			}
			say("%s", t.progress())
		}
	}
}

// stillConverged checks, after the steady window and the restart, that
// nothing drifted away from convergence.
func (t *tracker) stillConverged() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if countTrue(t.platforms) < len(t.want.Platforms) || countTrue(t.entries) < t.want.entryCount() || countTrue(t.subs) < len(t.covered) ||
		countTrue(t.projects) < len(t.projectSize) || !t.policyOK {
		return fmt.Errorf("the city is no longer converged")
	}
	return nil
}
