package portal

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/evaluation"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// Index is the catalog as the portal serves it, kept current by informer
// events (add, update, delete) instead of listing every entry per request:
// each event recomputes one entry, and a request reads what is already
// sorted and indexed.
//
// Only listed entries enter the views' structures (the sorted lists, the
// text index, the department and subject menus); an entry that may not be
// shown is held only to notice when that changes, so nothing a view reads
// is derived from it.
//
// Effective sharing depends on the clock (an embargo ends by itself), so
// every entry's sharing is valid over an interval: from the last change by
// the clock (an embargo's or a secrecy period's end already passed) to its
// next change (sharing.Result.NextChangeAt). A request at an instant past the
// earliest next change first re-evaluates the entries due, and one at an
// instant before the latest past change (a clock set back) re-evaluates
// every entry: no request is ever answered from sharing computed for
// another interval.
type Index struct {
	clock     clock.PassiveClock
	namespace string

	mu     sync.RWMutex
	held   map[types.NamespacedName]*held
	byCode map[string]map[types.NamespacedName]*held
	// platforms are the DataPlatforms seen, by name; names resolves a
	// department code to the name its platform gives.
	platforms map[string]DepartmentName
	names     map[string]DepartmentName
	// platformFacts are each DataPlatform's preservation facts, by name,
	// for the scorecard (publicPlatform: nothing about clearance).
	platformFacts map[string]evaluation.Platform
	display       []*Entry // listed, by department code, title, namespace, name
	docs          []uint32 // display's document numbers, side by side
	byID          []*Entry // listed, by namespace and name
	text          *textIndex
	due           dueHeap
	validFrom     time.Time
	// modified is the latest change to the listed catalog: an entry listed
	// or changed, or one withdrawn.
	modified time.Time
	depts    counted // department codes of listed entries
	subjects counted // subjects of listed entries

	registrations []toolscache.ResourceEventHandlerRegistration
	// encode, when a server has set it, prepares each new entry's
	// exported form right after the event that made it, outside the lock,
	// so that no request pays for it; made collects those entries.
	encode func(*Entry)
	made   []*Entry
}

// held is one CatalogEntry the cache holds, listed or not.
type held struct {
	key      types.NamespacedName
	obj      *scidatav1.CatalogEntry // the cache's object: never written
	spec     *scidatav1.CatalogEntrySpec
	score    int32
	changed  time.Time // the last change to the spec
	result   sharing.Result
	from     time.Time // result holds from here ...
	dueIndex int       // ... until result.NextChangeAt; -1 when not due
	entry    *Entry    // nil unless listed
}

// NewIndex returns an empty index reading time from clk (the real clock
// when nil) and accepting entries of namespace only (every platform
// namespace when empty).
func NewIndex(clk clock.PassiveClock, namespace string) *Index {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Index{
		clock: clk, namespace: namespace,
		held: map[types.NamespacedName]*held{}, byCode: map[string]map[types.NamespacedName]*held{},
		platforms: map[string]DepartmentName{}, names: map[string]DepartmentName{}, platformFacts: map[string]evaluation.Platform{},
		text: newTextIndex(), depts: counted{n: map[string]int{}}, subjects: counted{n: map[string]int{}},
	}
}

// Watch registers the index on the cache's CatalogEntry informer (and the
// DataPlatform one, for department names, when platforms is set).
func (x *Index) Watch(ctx context.Context, c cache.Informers, platforms bool) error {
	kinds := []client.Object{&scidatav1.CatalogEntry{}}
	if platforms {
		kinds = append(kinds, &scidatav1.DataPlatform{})
	}
	for _, k := range kinds {
		inf, err := c.GetInformer(ctx, k)
		if err != nil {
			return fmt.Errorf("watch %T: %w", k, err)
		}
		reg, err := inf.AddEventHandler(x)
		if err != nil {
			return fmt.Errorf("watch %T: %w", k, err)
		}
		x.mu.Lock()
		x.registrations = append(x.registrations, reg)
		x.mu.Unlock()
	}
	return nil
}

// Synced reports an error until the index has received every object of
// the informers' initial lists.
func (x *Index) Synced() error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.registrations) == 0 {
		return errors.New("the catalog index watches nothing yet")
	}
	for _, r := range x.registrations {
		if !r.HasSynced() {
			return errors.New("the catalog index has not received every entry yet")
		}
	}
	return nil
}

// Len is how many entries the index holds, listed or not. It is for tests
// and is served by no route: the number of hidden entries is not public.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.held)
}

// OnAdd is the informers' add event.
func (x *Index) OnAdd(obj any, _ bool) { x.upsert(obj) }

// OnUpdate is the informers' update event.
func (x *Index) OnUpdate(_, obj any) { x.upsert(obj) }

// OnDelete is the informers' delete event.
func (x *Index) OnDelete(obj any) {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	defer x.prepare()
	x.mu.Lock()
	defer x.mu.Unlock()
	switch o := obj.(type) {
	case *scidatav1.CatalogEntry:
		h := x.held[client.ObjectKeyFromObject(o)]
		if h == nil {
			return
		}
		at := x.clock.Now()
		if o.DeletionTimestamp != nil {
			at = o.DeletionTimestamp.Time
		}
		x.unlist(h, at)
		x.setDue(h, nil)
		x.forget(h)
	case *scidatav1.DataPlatform:
		delete(x.platformFacts, o.Name)
		if old, ok := x.platforms[o.Name]; ok {
			delete(x.platforms, o.Name)
			x.rename(old.Code)
		}
	}
}

// encodeWith makes the index prepare every listed entry with f (now, for
// those it holds, and after each event).
func (x *Index) encodeWith(f func(*Entry)) {
	x.mu.Lock()
	x.encode = f
	listed := slices.Clone(x.display)
	x.mu.Unlock()
	for _, e := range listed {
		f(e)
	}
}

// prepare encodes what the last event made, outside the lock; a request
// that comes first encodes an entry itself, to the same bytes.
func (x *Index) prepare() {
	x.mu.Lock()
	made, f := x.made, x.encode
	x.made = nil
	x.mu.Unlock()
	if f != nil {
		for _, e := range made {
			f(e)
		}
	}
}

func (x *Index) upsert(obj any) {
	defer x.prepare()
	x.mu.Lock()
	defer x.mu.Unlock()
	switch o := obj.(type) {
	case *scidatav1.CatalogEntry:
		x.upsertEntry(o)
	case *scidatav1.DataPlatform:
		x.platformFacts[o.Name] = publicPlatform(o)
		d := o.Spec.Department
		name := DepartmentName{Code: neutral(d.Code), Name: neutral(d.Name), LocalName: neutral(d.LocalName)}
		old, had := x.platforms[o.Name]
		if had && old == name {
			return
		}
		x.platforms[o.Name] = name
		x.rename(name.Code)
		if had && old.Code != name.Code {
			x.rename(old.Code)
		}
	}
}

func (x *Index) upsertEntry(o *scidatav1.CatalogEntry) {
	if !sharing.InPlatformNamespace(o.Namespace) || (x.namespace != "" && o.Namespace != x.namespace) {
		return
	}
	key := client.ObjectKeyFromObject(o)
	h := x.held[key]
	if h != nil && o.ResourceVersion != "" && h.obj.ResourceVersion == o.ResourceVersion {
		return // a resync: nothing changed
	}
	if h == nil {
		h = &held{key: key, dueIndex: -1}
		x.held[key] = h
	} else {
		x.forgetCode(h)
	}
	h.obj = o
	h.spec = neutralCopy(&o.Spec, (*scidatav1.CatalogEntrySpec).DeepCopy)
	h.score = completeness.Score(&o.Spec).Score
	h.changed = specChanged(o)
	x.rememberCode(h)
	x.evaluate(h, x.clock.Now(), h.changed)
}

// specChanged is when the entry last changed other than through its status:
// the latest time in its managed fields, or its creation.
func specChanged(o *scidatav1.CatalogEntry) time.Time {
	t := o.CreationTimestamp.Time
	for _, mf := range o.ManagedFields {
		if mf.Subresource == "" && mf.Time != nil && mf.Time.After(t) {
			t = mf.Time.Time
		}
	}
	return t.UTC()
}

// evaluate computes h's sharing at now and lists, relists or withdraws it;
// withdrawnAt is the time to record if it leaves the catalog.
func (x *Index) evaluate(h *held, now, withdrawnAt time.Time) {
	r := sharing.Compute(&h.obj.Spec, now)
	r.Reason = neutral(r.Reason)
	if classified(h.obj.Spec.Classification) {
		r.Listed = false // sharing.Compute says so too; never rely on one rule alone here
	}
	h.result, h.from = r, lastChange(r)
	if h.from.After(x.validFrom) {
		x.validFrom = h.from
	}
	x.setDue(h, r.NextChangeAt)
	if !r.Listed {
		x.unlist(h, withdrawnAt)
		return
	}
	x.relist(h)
}

// classified is the one place the portal itself asks whether an entry's
// level is classified (above Internal).
func classified(c *scidatav1.Classification) bool { return c != nil && c.Level.IsClassified() }

// lastChange is the latest instant at which the clock alone changed r.
func lastChange(r sharing.Result) time.Time {
	var t time.Time
	if r.EmbargoPassed && r.EmbargoUntil != nil {
		t = *r.EmbargoUntil
	}
	if r.SecrecyReviewDue && r.SecrecyPeriodEnd != nil && r.SecrecyPeriodEnd.After(t) {
		t = *r.SecrecyPeriodEnd
	}
	return t
}

// relist replaces h's listed entry by one built from what h holds now.
func (x *Index) relist(h *held) {
	e := &Entry{
		Namespace: h.key.Namespace, Name: h.key.Name, Spec: h.spec, Department: x.department(h.spec),
		Sharing: h.result, Score: h.score, Created: h.obj.CreationTimestamp.UTC(), Modified: h.changed,
	}
	if h.from.After(e.Modified) {
		e.Modified = h.from
	}
	if s := h.obj.Status.Submission; s != nil {
		e.Submission = s.State
	}
	if n := h.obj.Status.ActiveGrants; n != nil && !classified(h.obj.Spec.Classification) {
		e.ActiveGrants = *n
	}
	text, terms := haystack(e), facetTerms(e)
	if old := h.entry; old != nil {
		x.remove(old)
		e.doc = old.doc
		x.text.replace(e.doc, text, terms)
	} else {
		e.doc = x.text.add(text, terms)
	}
	h.entry = e
	x.insert(e)
	if x.encode != nil {
		x.made = append(x.made, e)
	}
	if e.Modified.After(x.modified) {
		x.modified = e.Modified
	}
}

// unlist withdraws h's entry from the views, if it was listed.
func (x *Index) unlist(h *held, at time.Time) {
	if h.entry == nil {
		return
	}
	x.remove(h.entry)
	x.text.remove(h.entry.doc)
	h.entry = nil
	if at.After(x.modified) {
		x.modified = at.UTC()
	}
}

func (x *Index) forget(h *held) {
	x.forgetCode(h)
	delete(x.held, h.key)
}

// byCode is keyed by the neutralised code, as names and entries are.
func (x *Index) rememberCode(h *held) {
	code := h.spec.ResponsibleDepartment.Code
	if x.byCode[code] == nil {
		x.byCode[code] = map[types.NamespacedName]*held{}
	}
	x.byCode[code][h.key] = h
}

func (x *Index) forgetCode(h *held) {
	code := h.spec.ResponsibleDepartment.Code
	delete(x.byCode[code], h.key)
	if len(x.byCode[code]) == 0 {
		delete(x.byCode, code)
	}
}

// rename re-resolves a department code's name from the platforms that
// claim it (the first by platform name, so the choice is stable) and
// rebuilds its listed entries when the name changed.
func (x *Index) rename(code string) {
	var platform string
	name, ok := DepartmentName{}, false
	for p, d := range x.platforms {
		if d.Code == code && (!ok || p < platform) {
			platform, name, ok = p, d, true
		}
	}
	if old, had := x.names[code]; had == ok && old == name {
		return
	}
	if ok {
		x.names[code] = name
	} else {
		delete(x.names, code)
	}
	for _, h := range x.byCode[code] {
		if h.entry != nil {
			x.relist(h)
		}
	}
}

// department is the entry's department, named by its platform when the
// index knows it, else by the entry.
func (x *Index) department(spec *scidatav1.CatalogEntrySpec) DepartmentName {
	if d, ok := x.names[spec.ResponsibleDepartment.Code]; ok {
		return d
	}
	rd := spec.ResponsibleDepartment
	return DepartmentName{Code: rd.Code, Name: rd.Name, LocalName: rd.LocalName}
}

// haystack is the lower-cased text a search looks in.
func haystack(e *Entry) string {
	s := e.Spec
	return strings.ToLower(strings.Join(append([]string{
		s.Title, s.LocalTitle, s.Description, s.Subject,
		e.Department.Name, e.Department.LocalName, e.Department.Code, s.ProvidingDepartment.Name, s.ProvidingDepartment.LocalName,
	}, s.Keywords...), "\n"))
}

func displayOrder(a, b *Entry) int {
	if c := strings.Compare(a.Department.Code, b.Department.Code); c != 0 {
		return c
	}
	if c := strings.Compare(a.Spec.Title, b.Spec.Title); c != 0 {
		return c
	}
	return idOrder(a, b)
}

func idOrder(a, b *Entry) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func (x *Index) insert(e *Entry) {
	i, _ := slices.BinarySearchFunc(x.display, e, displayOrder)
	x.display = slices.Insert(x.display, i, e)
	x.docs = slices.Insert(x.docs, i, e.doc)
	i, _ = slices.BinarySearchFunc(x.byID, e, idOrder)
	x.byID = slices.Insert(x.byID, i, e)
	x.depts.add(e.Department.Code)
	x.subjects.add(e.Spec.Subject)
}

func (x *Index) remove(e *Entry) {
	if i, ok := slices.BinarySearchFunc(x.display, e, displayOrder); ok {
		x.display = slices.Delete(x.display, i, i+1)
		x.docs = slices.Delete(x.docs, i, i+1)
	}
	if i, ok := slices.BinarySearchFunc(x.byID, e, idOrder); ok {
		x.byID = slices.Delete(x.byID, i, i+1)
	}
	x.depts.remove(e.Department.Code)
	x.subjects.remove(e.Spec.Subject)
}

// counted is a sorted set of strings with a count each.
type counted struct {
	n      map[string]int
	sorted []string
}

func (c *counted) add(s string) {
	if c.n[s]++; c.n[s] == 1 {
		i, _ := slices.BinarySearch(c.sorted, s)
		c.sorted = slices.Insert(c.sorted, i, s)
	}
}

func (c *counted) remove(s string) {
	if c.n[s]--; c.n[s] <= 0 {
		delete(c.n, s)
		if i, ok := slices.BinarySearch(c.sorted, s); ok {
			c.sorted = slices.Delete(c.sorted, i, i+1)
		}
	}
}

// setDue files h under its next change by the clock, or takes it out.
func (x *Index) setDue(h *held, at *time.Time) {
	switch {
	case at == nil && h.dueIndex >= 0:
		heap.Remove(&x.due, h.dueIndex)
	case at != nil && h.dueIndex >= 0:
		heap.Fix(&x.due, h.dueIndex)
	case at != nil:
		heap.Push(&x.due, h)
	}
}

// fresh reports whether every entry's sharing holds at now.
func (x *Index) fresh(now time.Time) bool {
	return !now.Before(x.validFrom) && (len(x.due) == 0 || now.Before(*x.due[0].result.NextChangeAt))
}

// advance re-evaluates what the clock has changed by now.
func (x *Index) advance(now time.Time) {
	if now.Before(x.validFrom) {
		// The clock went back past a change: re-evaluate everything.
		x.validFrom = time.Time{}
		for _, h := range x.held {
			x.evaluate(h, now, now)
		}
		return
	}
	for len(x.due) > 0 && !now.Before(*x.due[0].result.NextChangeAt) {
		h := x.due[0]
		x.evaluate(h, now, *h.result.NextChangeAt)
	}
}

// read runs f with every entry's sharing evaluated at now.
func (x *Index) read(now time.Time, f func()) {
	x.mu.RLock()
	if x.fresh(now) {
		defer x.mu.RUnlock()
		f()
		return
	}
	x.mu.RUnlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.advance(now)
	f()
}

// dueHeap orders held entries by their next change by the clock.
type dueHeap []*held

func (d dueHeap) Len() int { return len(d) }
func (d dueHeap) Less(i, j int) bool {
	return d[i].result.NextChangeAt.Before(*d[j].result.NextChangeAt)
}
func (d dueHeap) Swap(i, j int) {
	d[i], d[j] = d[j], d[i]
	d[i].dueIndex, d[j].dueIndex = i, j
}
func (d *dueHeap) Push(v any) {
	h := v.(*held)
	h.dueIndex = len(*d)
	*d = append(*d, h)
}
func (d *dueHeap) Pop() any {
	old := *d
	h := old[len(old)-1]
	old[len(old)-1] = nil
	*d = old[:len(old)-1]
	h.dueIndex = -1
	return h
}

// Listing is what one request reads from the index, all at one instant.
type Listing struct {
	// Items is the requested page of the matching entries.
	Items []*Entry
	// Total is how many entries match.
	Total int
	// Departments and Subjects are the listed entries', sorted, for menus.
	Departments []DepartmentName
	Subjects    []string
	// Modified is the latest change to the listed catalog (zero when it
	// never held an entry).
	Modified time.Time
}

// Search returns the listed entries that pass f, in display order, from
// offset, at most limit of them.
func (x *Index) Search(now time.Time, f Filter, offset, limit int) Listing {
	var out Listing
	x.read(now, func() {
		words := queryWords(f.Query)
		cand := x.text.candidates(words, f.terms())
		lo, hi := 0, len(x.display)
		if f.Department != "" {
			lo, hi = x.departmentRange(f.Department)
		}
		// The document numbers lie side by side in display order, so the
		// entries the candidates leave out cost a bit test each.
		for i, doc := range x.docs[lo:hi] {
			if (cand != nil && !cand.has(doc)) || !x.text.matches(doc, words) {
				continue
			}
			if out.Total >= offset && len(out.Items) < limit {
				out.Items = append(out.Items, x.display[lo+i])
			}
			out.Total++
		}
		x.describe(&out)
	})
	return out
}

// Datasets returns the listed entries changed at or after since (every one
// when since is zero), in namespace and name order (new entries shift
// only those after them, which suits a harvester reading page by page),
// from offset, at most limit of them.
func (x *Index) Datasets(now, since time.Time, offset, limit int) Listing {
	var out Listing
	x.read(now, func() {
		for _, e := range x.byID {
			if e.Modified.Before(since) {
				continue
			}
			if out.Total >= offset && len(out.Items) < limit {
				out.Items = append(out.Items, e)
			}
			out.Total++
		}
		x.describe(&out)
	})
	return out
}

// Find returns a listed entry; nil when it does not exist or may not be
// shown (the two are indistinguishable on purpose).
func (x *Index) Find(now time.Time, namespace, name string) *Entry {
	var e *Entry
	x.read(now, func() {
		if h := x.held[types.NamespacedName{Namespace: namespace, Name: name}]; h != nil {
			e = h.entry
		}
	})
	return e
}

// Listed returns every listed entry in display order, with the menus.
func (x *Index) Listed(now time.Time) Listing {
	var out Listing
	x.read(now, func() {
		out.Items, out.Total = slices.Clone(x.display), len(x.display)
		x.describe(&out)
	})
	return out
}

// Scoring is every listed entry, as Listed gives them, with the public
// facts of each DataPlatform the index holds (by name), read at once.
func (x *Index) Scoring(now time.Time) (Listing, map[string]evaluation.Platform) {
	var out Listing
	var platforms map[string]evaluation.Platform
	x.read(now, func() {
		out.Items, out.Total = slices.Clone(x.display), len(x.display)
		x.describe(&out)
		platforms = maps.Clone(x.platformFacts)
	})
	return out, platforms
}

func (x *Index) describe(out *Listing) {
	out.Subjects = slices.Clone(x.subjects.sorted)
	out.Modified = x.modified
	out.Departments = make([]DepartmentName, 0, len(x.depts.sorted))
	for _, code := range x.depts.sorted {
		lo, _ := x.departmentRange(code)
		out.Departments = append(out.Departments, x.display[lo].Department)
	}
}

// departmentRange is where a department's entries lie in display order.
func (x *Index) departmentRange(code string) (int, int) {
	lo := sort.Search(len(x.display), func(i int) bool { return x.display[i].Department.Code >= code })
	hi := sort.Search(len(x.display), func(i int) bool { return x.display[i].Department.Code > code })
	return lo, hi
}
