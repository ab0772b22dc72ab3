package portal

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/completeness"
	"github.com/scidata-io/scidata-operator/internal/sharing"
)

// Entry is one publicly listed catalog entry, as every view shows it.
type Entry struct {
	Namespace  string
	Name       string
	Spec       *scidatav1.CatalogEntrySpec
	Department DepartmentName
	Sharing    sharing.Result
	Score      int32
	Submission scidatav1.SubmissionState
	Created    time.Time
	haystack   string
}

// ID is the entry's path in the portal: <namespace>/<name>.
func (e *Entry) ID() string { return e.Namespace + "/" + e.Name }

// AccessURL is where the data is reached, withheld while an embargo holds.
func (e *Entry) AccessURL() string {
	if e.Sharing.Embargoed {
		return ""
	}
	return e.Spec.AccessMethod.URL
}

// DepartmentName is a department's code and names, from its DataPlatform
// when the portal can read it, else from the entry.
type DepartmentName struct {
	Code, Name, LocalName string
}

// Snapshot is the catalog at one instant: every listed entry, sorted by
// department then title, and every entry's department for the scorecard.
type Snapshot struct {
	At          time.Time
	Entries     []*Entry
	Departments []DepartmentName
	// All holds every entry the portal reads, listed or not, for the
	// scorecard's counts. Views never show its titles.
	All []*Entry
	// validUntil is the earliest time-based change of any entry.
	validUntil *time.Time
}

// Source lists what the portal shows.
type Source struct {
	Reader client.Reader
	// Namespace limits the portal to one department's namespace; empty for the city.
	Namespace string
	// Platforms says whether to read DataPlatforms for department names.
	Platforms bool

	once  sync.Once
	cache *memo

	// Snapshots are reused while nothing the portal reads has changed
	// (informer events bump version) and no time-based change is due.
	watching atomic.Bool
	version  atomic.Uint64
	mu       sync.Mutex
	last     *Snapshot
	lastVer  uint64
}

// Watch makes the source reuse a snapshot until the cache reports a change
// to any CatalogEntry or DataPlatform, or the earliest time-based change of
// any entry (an embargo's or a secrecy period's end) is reached. Without
// Watch every request builds a new snapshot.
func (s *Source) Watch(ctx context.Context, c cache.Cache) error {
	kinds := []client.Object{&scidatav1.CatalogEntry{}}
	if s.Platforms {
		kinds = append(kinds, &scidatav1.DataPlatform{})
	}
	bump := func(any) { s.version.Add(1) }
	for _, k := range kinds {
		inf, err := c.GetInformer(ctx, k)
		if err != nil {
			return fmt.Errorf("watch %T: %w", k, err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: bump, UpdateFunc: func(_, n any) { bump(n) }, DeleteFunc: bump,
		}); err != nil {
			return fmt.Errorf("watch %T: %w", k, err)
		}
	}
	s.watching.Store(true)
	return nil
}

// reusable returns the last snapshot if it still holds at now.
func (s *Source) reusable(now time.Time) (*Snapshot, uint64) {
	ver := s.version.Load()
	if !s.watching.Load() {
		return nil, ver
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.last
	if l == nil || s.lastVer != ver || now.Before(l.At) || (l.validUntil != nil && !now.Before(*l.validUntil)) {
		return nil, ver
	}
	return l, ver
}

func (s *Source) keep(snap *Snapshot, ver uint64) {
	if !s.watching.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.lastVer = snap, ver
}

// Snapshot reads the cache and computes sharing at now.
func (s *Source) Snapshot(ctx context.Context, now time.Time) (*Snapshot, error) {
	snap, ver := s.reusable(now)
	if snap != nil {
		return snap, nil
	}
	snap, err := s.build(ctx, now)
	if err != nil {
		return nil, err
	}
	s.keep(snap, ver)
	return snap, nil
}

func (s *Source) build(ctx context.Context, now time.Time) (*Snapshot, error) {
	var list scidatav1.CatalogEntryList
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if s.Namespace != "" {
		opts = append(opts, client.InNamespace(s.Namespace))
	}
	if err := s.Reader.List(ctx, &list, opts...); err != nil {
		return nil, fmt.Errorf("list catalog entries: %w", err)
	}
	names, err := s.departmentNames(ctx)
	if err != nil {
		return nil, err
	}
	return buildSnapshot(list.Items, names, now, s.memo()), nil
}

// memo keeps what does not depend on the clock (search text, completeness)
// per entry version, so a request recomputes only sharing.
type memo struct {
	mu      sync.Mutex
	entries map[types.UID]memoEntry
	next    map[types.UID]memoEntry
}

type memoEntry struct {
	department                DepartmentName
	resourceVersion, haystack string
	score                     int32
}

func (s *Source) memo() *memo {
	s.once.Do(func() { s.cache = &memo{entries: map[types.UID]memoEntry{}} })
	return s.cache
}

// get returns the memo of an entry version, computing it when it is new.
func (m *memo) get(it *scidatav1.CatalogEntry, d DepartmentName) memoEntry {
	if m == nil {
		return computeMemo(it, d)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.next == nil {
		m.next = make(map[types.UID]memoEntry, len(m.entries))
	}
	e, ok := m.entries[it.UID]
	if !ok || e.resourceVersion != it.ResourceVersion || it.ResourceVersion == "" || e.department != d {
		e = computeMemo(it, d)
	}
	m.next[it.UID] = e
	return e
}

// swap drops the memos of entries that were not seen in the last snapshot.
func (m *memo) swap() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries, m.next = m.next, nil
	if m.entries == nil {
		m.entries = map[types.UID]memoEntry{}
	}
}

func computeMemo(it *scidatav1.CatalogEntry, d DepartmentName) memoEntry {
	return memoEntry{
		department:      d,
		resourceVersion: it.ResourceVersion,
		score:           completeness.Score(&it.Spec).Score,
		haystack: strings.ToLower(strings.Join(append([]string{
			it.Spec.Title, it.Spec.LocalTitle, it.Spec.Description, it.Spec.Subject,
			d.Name, d.LocalName, d.Code, it.Spec.ProvidingDepartment.Name, it.Spec.ProvidingDepartment.LocalName,
		}, it.Spec.Keywords...), "\n")),
	}
}

func (s *Source) departmentNames(ctx context.Context) (map[string]DepartmentName, error) {
	names := map[string]DepartmentName{}
	if !s.Platforms {
		return names, nil
	}
	var list scidatav1.DataPlatformList
	if err := s.Reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list data platforms: %w", err)
	}
	for i := range list.Items {
		d := list.Items[i].Spec.Department
		names[d.Code] = DepartmentName{Code: d.Code, Name: d.Name, LocalName: d.LocalName}
	}
	return names, nil
}

// buildSnapshot is the pure core of Snapshot.
func buildSnapshot(items []scidatav1.CatalogEntry, names map[string]DepartmentName, now time.Time, m *memo) *Snapshot {
	defer m.swap()
	snap := &Snapshot{At: now}
	depts := map[string]DepartmentName{}
	for i := range items {
		it := &items[i]
		if !sharing.InPlatformNamespace(it.Namespace) {
			continue
		}
		e := newEntry(it, names, now, m)
		depts[e.Department.Code] = e.Department
		snap.All = append(snap.All, e)
		if n := e.Sharing.NextChangeAt; n != nil && (snap.validUntil == nil || n.Before(*snap.validUntil)) {
			snap.validUntil = n
		}
		if e.Sharing.Listed {
			snap.Entries = append(snap.Entries, e)
		}
	}
	slices.SortFunc(snap.Entries, func(a, b *Entry) int {
		return cmp.Or(strings.Compare(a.Department.Code, b.Department.Code), strings.Compare(a.Spec.Title, b.Spec.Title),
			strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	for _, d := range depts {
		snap.Departments = append(snap.Departments, d)
	}
	slices.SortFunc(snap.Departments, func(a, b DepartmentName) int { return strings.Compare(a.Code, b.Code) })
	return snap
}

func newEntry(it *scidatav1.CatalogEntry, names map[string]DepartmentName, now time.Time, m *memo) *Entry {
	d, ok := names[it.Spec.ResponsibleDepartment.Code]
	if !ok {
		rd := it.Spec.ResponsibleDepartment
		d = DepartmentName{Code: rd.Code, Name: rd.Name, LocalName: rd.LocalName}
	}
	memo := m.get(it, d)
	e := &Entry{
		Namespace: it.Namespace, Name: it.Name, Spec: &it.Spec, Department: d,
		Sharing: sharing.Compute(&it.Spec, now), Score: memo.score,
		Created: it.CreationTimestamp.Time,
	}
	if it.Status.Submission != nil {
		e.Submission = it.Status.Submission.State
	}
	if e.Sharing.Listed {
		e.haystack = memo.haystack
	}
	return e
}

// Filter selects entries; empty fields select everything.
type Filter struct {
	Query      string
	Department string
	Subject    string
	DataType   string
	Sharing    string
}

// Match reports whether a listed entry passes the filter.
func (f Filter) Match(e *Entry) bool {
	if f.Department != "" && e.Department.Code != f.Department {
		return false
	}
	if f.Subject != "" && !strings.EqualFold(e.Spec.Subject, f.Subject) {
		return false
	}
	if f.DataType != "" && !slices.ContainsFunc(e.Spec.DataTypes, func(t scidatav1.DataType) bool { return strings.EqualFold(string(t), f.DataType) }) {
		return false
	}
	if f.Sharing != "" && !strings.EqualFold(string(e.Sharing.Mode), f.Sharing) && (!strings.EqualFold(f.Sharing, "Embargoed") || !e.Sharing.Embargoed) {
		return false
	}
	for _, word := range strings.Fields(strings.ToLower(f.Query)) {
		if !strings.Contains(e.haystack, word) {
			return false
		}
	}
	return true
}

// Select returns the listed entries that pass the filter.
func (s *Snapshot) Select(f Filter) []*Entry {
	var out []*Entry
	for _, e := range s.Entries {
		if f.Match(e) {
			out = append(out, e)
		}
	}
	return out
}

// Find returns a listed entry by namespace and name; nil when it does not
// exist or may not be shown (the two are indistinguishable on purpose).
func (s *Snapshot) Find(namespace, name string) *Entry {
	for _, e := range s.Entries {
		if e.Namespace == namespace && e.Name == name {
			return e
		}
	}
	return nil
}

// Subjects lists the listed entries' subjects, sorted, for the filter menu.
func (s *Snapshot) Subjects() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s.Entries {
		if !seen[e.Spec.Subject] {
			seen[e.Spec.Subject] = true
			out = append(out, e.Spec.Subject)
		}
	}
	slices.Sort(out)
	return out
}
