package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// scaleOptions size and pace one scale run.
type scaleOptions struct {
	Platforms          int // the Center and Platforms-1 departments
	EntriesPerPlatform int
	Workers            int // the manager's --max-concurrent-reconciles, the apply's and the floor's workers
	// SyncPeriod is the restarted manager's --sync-period: the run waits
	// for its first full resync. The first manager runs with the default
	// (10h), as in production, so that no resync falls into convergence.
	SyncPeriod time.Duration
	// Quiet is how long the first manager is watched after convergence.
	Quiet           time.Duration
	Nodes           int
	Wait            time.Duration // queueing for the machine
	ConvergeTimeout time.Duration
	Floor           bool
	ManagerFlags    []string
	Out             io.Writer
	// Profile, when set, is a directory for the manager's CPU profile of
	// the convergence and its heap profile at convergence (go tool pprof).
	Profile string
}

// scaleResult is what a run measured.
type scaleResult struct {
	opts     scaleOptions
	city     *city
	objects  int // what the bureau and departments applied
	retries  int64
	apply    time.Duration
	converge time.Duration

	conv    *writeCounts
	quiet   *writeCounts
	steady  *writeCounts
	restart *writeCounts
	// quietFor is the first manager's window after convergence, steadyFor
	// the restarted one's until a full resync, restartFor how long the
	// restarted manager took to reconcile everything once.
	quietFor, steadyFor, restartFor time.Duration
	steadyReconciles                map[string]float64

	rssConv, peakConv, heapConv       int64
	rssSteady, heapSteady             int64
	rssRestart, peakRestart, heapRest int64
	latency                           map[string]latency

	etcd   map[string]stored
	dbSize int64

	floor       time.Duration
	floorWrites int
	floorCounts map[string]int
	machineLoad []string
}

type latency struct {
	count    float64
	p50, p99 float64
}

// floorWorkers is as many writers as the run had: the apply's workers and
// each controller's.
func (r *scaleResult) floorWorkers() int { return r.opts.Workers * (1 + len(r.reconciled())) }

// reconciled are the controllers and how many objects each must
// reconcile for a full pass over the city.
func (r *scaleResult) reconciled() map[string]float64 {
	return map[string]float64{
		"dataplatform":     float64(len(r.city.Platforms)),
		"catalogentry":     float64(r.city.entryCount()),
		"submission":       float64(r.city.Covered),
		"submissionpolicy": 1,
		"project":          float64(r.city.projectCount()),
	}
}

func (o scaleOptions) say(format string, args ...any) {
	fmt.Fprintf(o.Out, "bench: "+format+"\n", args...)
}

// runScale brings up simulated nodes, runs the manager against them as
// its own ServiceAccount, applies the city and measures (see doc.go).
func runScale(ctx context.Context, o scaleOptions) (res *scaleResult, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	work := filepath.Join(root, ".local", "bench")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	res = &scaleResult{opts: o}
	ct, err := buildCity(root, citySpec{Departments: o.Platforms - 1, EntriesPerPlatform: o.EntriesPerPlatform,
		StorageClassName: staticClass, StorageSize: "10Gi", Now: time.Now()})
	if err != nil {
		return nil, err
	}
	res.city = ct
	res.objects = len(ct.Platforms) + ct.entryCount() + 1
	o.say("the city: %d platforms, %d entries (%d covered by the city's policy), %d workers", len(ct.Platforms), ct.entryCount(), ct.Covered, o.Workers)

	o.say("building the operator and the local cluster tool")
	bin, err := buildOperator(ctx, root, work)
	if err != nil {
		return nil, err
	}
	cl, err := upCluster(ctx, root, work, o.Out, o.Wait, "--mode", "simulated", "--nodes", fmt.Sprint(o.Nodes))
	defer func() {
		if derr := cl.down(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err != nil {
		return nil, err
	}
	load := startLoadSampler(ctx, 30*time.Second)
	defer func() {
		if res != nil {
			res.machineLoad = load.stop()
		}
	}()

	run := &scaleRun{o: o, res: res, ct: ct, cl: cl, bin: bin, work: work}
	defer func() {
		if run.mgr != nil {
			run.mgr.stop()
		}
	}()
	if err := run.prepare(ctx); err != nil {
		return nil, err
	}
	if err := run.converge(ctx); err != nil {
		return res, err
	}
	if err := run.windows(ctx); err != nil {
		return res, err
	}
	if o.Floor {
		if err := run.floor(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// scaleRun is one scale run's cluster, manager and what it measures, in
// the order runScale takes its steps.
type scaleRun struct {
	o    scaleOptions
	res  *scaleResult
	ct   *city
	cl   *localCluster
	bin  string
	work string

	admin, op    *rest.Config
	c            client.Client
	opKubeconfig string
	tr           *tracker
	flags        []string
	pprofURL     string
	logPath      string
	mgr          *managerProc
	audit        *auditTail
	skip         skipFunc
}

// prepare installs what config/default installs but the Deployment, the
// static volumes, the manager's kubeconfig and the tracker, and starts the
// manager.
func (s *scaleRun) prepare(ctx context.Context) error {
	o, ct := s.o, s.ct
	var err error
	if s.admin, err = s.cl.restConfig(); err != nil {
		return err
	}
	if s.c, err = client.New(s.admin, client.Options{Scheme: scheme.New()}); err != nil {
		return err
	}
	o.say("installing the CRDs, the manager's RBAC and the admission policies (config/default without the Deployment)")
	if err := s.cl.installOperator(ctx, false); err != nil {
		return err
	}
	if err := s.c.Create(ctx, staticStorageClass()); err != nil {
		return err
	}
	for _, pv := range staticVolumes(2*len(ct.Platforms), "10Gi") { // the run's, then the floor's
		if err := s.c.Create(ctx, pv); err != nil {
			return err
		}
	}
	s.opKubeconfig = filepath.Join(s.work, "manager.kubeconfig")
	if s.op, err = managerKubeconfig(ctx, s.admin, s.opKubeconfig); err != nil {
		return err
	}
	if s.tr, err = newTracker(s.admin, ct); err != nil {
		return err
	}
	if err := s.tr.start(ctx); err != nil {
		return err
	}
	s.flags = append([]string{fmt.Sprintf("--max-concurrent-reconciles=%d", o.Workers)}, o.ManagerFlags...)
	if o.Profile != "" {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.flags = append(s.flags, fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", port))
		s.pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof", port)
	}
	s.logPath = filepath.Join(s.work, "manager.log")
	_ = os.Remove(s.logPath)
	o.say("starting the manager as %s (log %s)", managerUser, s.logPath)
	if s.mgr, err = startManager(ctx, s.bin, s.opKubeconfig, s.logPath, s.flags); err != nil {
		return err
	}
	s.audit = &auditTail{path: s.cl.auditLog}
	s.skip = skipFunc(leaderElection)
	return s.audit.mark()
}

// converge applies the city and waits until it has converged, then counts
// the manager's writes by then.
func (s *scaleRun) converge(ctx context.Context) error {
	o, res := s.o, s.res
	start := time.Now()
	var profiled chan error
	if s.pprofURL != "" {
		profiled = make(chan error, 1)
		go func() {
			profiled <- fetch(ctx, s.pprofURL+"/profile?seconds=60", filepath.Join(o.Profile, "cpu.pprof"))
		}()
	}
	o.say("applying the city")
	applied := make(chan error, 1)
	go func() {
		retries, err := applyCity(ctx, s.c, o.Workers, s.tr, s.ct)
		res.retries = retries
		res.apply = time.Since(start)
		if err == nil {
			s.tr.markApplied()
		}
		applied <- err
	}()
	convergedAt, err := s.tr.wait(ctx, o.ConvergeTimeout, 10*time.Second, o.say, func() error {
		select {
		case err := <-applied:
			applied <- err
			if err != nil {
				return err
			}
		default:
		}
		return s.mgr.alive()
	})
	if err != nil {
		return err
	}
	res.converge = convergedAt.Sub(start)
	if s.pprofURL != "" {
		if err := fetch(ctx, s.pprofURL+"/heap", filepath.Join(o.Profile, "heap.pprof")); err != nil {
			return err
		}
		if err := <-profiled; err != nil {
			return err
		}
		o.say("profiles in %s", o.Profile)
	}
	o.say("converged in %.1fs (the apply took %.1fs, %d retries)", res.converge.Seconds(), res.apply.Seconds(), res.retries)
	if err := res.measureManager(ctx, s.mgr, "conv"); err != nil {
		return err
	}
	// Writes the manager issued by convergence, and the events its
	// recorders send a moment later.
	settle(ctx, 5*time.Second)
	res.conv, err = s.audit.count(managerUser, s.skip)
	return err
}

// windows watches the converged city: a quiet window of the first
// manager, then a restarted manager until it has reconciled everything
// once and through a full resync; then it measures what etcd holds.
func (s *scaleRun) windows(ctx context.Context) error {
	o, res := s.o, s.res
	o.say("quiet window: %s of the manager after convergence", o.Quiet)
	start := time.Now()
	settle(ctx, o.Quiet)
	res.quietFor = time.Since(start)
	if err := res.measureManager(ctx, s.mgr, "steady"); err != nil {
		return err
	}
	var err error
	if res.quiet, err = s.audit.count(managerUser, s.skip); err != nil {
		return err
	}
	if err := s.tr.stillConverged(); err != nil {
		return err
	}
	o.say("restarting the manager with --sync-period=%s", o.SyncPeriod)
	s.mgr.stop()
	if err := s.audit.mark(); err != nil {
		return err
	}
	if s.mgr, err = startManager(ctx, s.bin, s.opKubeconfig, s.logPath, append(s.flags, "--sync-period="+o.SyncPeriod.String())); err != nil {
		return err
	}
	if err := res.restartWindow(ctx, s.mgr, s.audit, s.skip); err != nil {
		return err
	}
	if err := res.steadyWindow(ctx, s.mgr, s.audit, s.skip); err != nil {
		return err
	}
	if err := s.tr.stillConverged(); err != nil {
		return err
	}
	if err := res.measureStorage(ctx); err != nil {
		return err
	}
	s.mgr.stop()
	return nil
}

// floor makes the run's writes again with a raw client and times them.
func (s *scaleRun) floor(ctx context.Context) error {
	o, res := s.o, s.res
	o.say("the floor: planning the same writes for a raw client")
	dyn, err := dynamic.NewForConfig(s.admin)
	if err != nil {
		return err
	}
	plan, err := planFloor(ctx, dyn, s.ct, res.conv)
	if err != nil {
		return err
	}
	res.floorWrites, res.floorCounts = plan.total(), plan.count
	o.say("the floor: %d writes with %d workers", res.floorWrites, res.floorWorkers())
	opc := rest.CopyConfig(s.op)
	if res.floor, err = runFloor(ctx, s.admin, opc, res.floorWorkers(), plan); err != nil {
		return err
	}
	o.say("the floor took %.1fs", res.floor.Seconds())
	return nil
}

// fetch saves what url answers into path.
func fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func settle(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// measureManager records the manager's memory and its reconcile latency
// so far.
func (r *scaleResult) measureManager(ctx context.Context, m *managerProc, at string) error {
	s, err := readMetrics(ctx, m.metricsURL)
	if err != nil {
		return err
	}
	rss, peak, err := processMemory(m.pid())
	if err != nil {
		return err
	}
	heap := int64(s.value("go_memstats_heap_alloc_bytes"))
	switch at {
	case "conv":
		r.rssConv, r.peakConv, r.heapConv = rss, peak, heap
		r.latency = map[string]latency{}
		for _, c := range s.controllers() {
			h := s.histogram("controller_runtime_reconcile_time_seconds", "controller", c)
			r.latency[c] = latency{count: h.count, p50: h.quantile(0.5), p99: h.quantile(0.99)}
		}
	case "steady":
		r.rssSteady, r.heapSteady = rss, heap
	case "restart":
		r.rssRestart, r.peakRestart, r.heapRest = rss, peak, heap
	}
	return nil
}

// reconcileTotals is each controller's count of reconciles so far.
func reconcileTotals(s scrape) map[string]float64 {
	out := map[string]float64{}
	for _, c := range s.controllers() {
		out[c] = s.value("controller_runtime_reconcile_total", "controller", c)
	}
	return out
}

// steadyWindow waits, after convergence, until every controller has
// reconciled every one of its objects again (a full resync: nothing else
// changes), and counts the manager's writes meanwhile.
func (r *scaleResult) steadyWindow(ctx context.Context, m *managerProc, audit *auditTail, skip skipFunc) error {
	s, err := readMetrics(ctx, m.metricsURL)
	if err != nil {
		return err
	}
	base := reconcileTotals(s)
	start := time.Now()
	limit := r.opts.SyncPeriod + r.opts.SyncPeriod/5 + 2*time.Minute
	r.opts.say("steady window: waiting for the restarted manager's first full resync (sync period %s; up to %s)", r.opts.SyncPeriod, limit.Round(time.Second))
	want := r.reconciled()
	for {
		if err := m.alive(); err != nil {
			return err
		}
		s, err := readMetrics(ctx, m.metricsURL)
		if err != nil {
			return err
		}
		now := reconcileTotals(s)
		done := true
		r.steadyReconciles = map[string]float64{}
		for c, n := range want {
			r.steadyReconciles[c] = now[c] - base[c]
			if now[c]-base[c] < n {
				done = false
			}
		}
		if done {
			break
		}
		if time.Since(start) > limit {
			return fmt.Errorf("no full resync within %s: reconciles since convergence %v, want at least %v", limit, r.steadyReconciles, want)
		}
		settle(ctx, 2*time.Second)
	}
	settle(ctx, 5*time.Second)
	r.steadyFor = time.Since(start)
	r.steady, err = audit.count(managerUser, skip)
	return err
}

// restartWindow waits until the restarted manager has reconciled every
// object once (the re-list) and its queues are empty, and counts its
// writes.
func (r *scaleResult) restartWindow(ctx context.Context, m *managerProc, audit *auditTail, skip skipFunc) error {
	want := r.reconciled()
	limit := 10 * time.Minute
	quiet := 0
	for quiet < 3 {
		if err := m.alive(); err != nil {
			return err
		}
		if time.Since(m.started) > limit {
			return fmt.Errorf("the restarted manager did not reconcile everything within %s", limit)
		}
		settle(ctx, 2*time.Second)
		s, err := readMetrics(ctx, m.metricsURL)
		if err != nil {
			return err
		}
		now := reconcileTotals(s)
		done := s.value("workqueue_depth") == 0
		for c, n := range want {
			if now[c] < n {
				done = false
			}
		}
		if done {
			quiet++
		} else {
			quiet = 0
		}
	}
	r.restartFor = time.Since(m.started)
	if err := r.measureManager(ctx, m, "restart"); err != nil {
		return err
	}
	var err error
	r.restart, err = audit.count(managerUser, skip)
	return err
}

// measureStorage reads what etcd holds per kind of the city.
func (r *scaleResult) measureStorage(ctx context.Context) error {
	r.etcd = map[string]stored{}
	for kind, prefix := range map[string]string{
		"CatalogEntry":     "/registry/scidata.io/catalogentries/",
		"Submission":       "/registry/scidata.io/submissions/",
		"DataPlatform":     "/registry/scidata.io/dataplatforms/",
		"SubmissionPolicy": "/registry/scidata.io/submissionpolicies/",
		"Project":          "/registry/scidata.io/projects/",
	} {
		s, err := etcdPrefix(ctx, prefix)
		if err != nil {
			return err
		}
		r.etcd[kind] = s
	}
	var err error
	r.dbSize, _, err = etcdDBSize(ctx)
	return err
}

// table prints the results, last, as a Markdown table.
func (r *scaleResult) table(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "\nScale benchmark: %d platforms (the Center and %d departments), %d CatalogEntries (%d per platform; %d covered by the city's policy, so %d Submissions; %d funded projects, so %d Projects), %d KWOK nodes, %d workers per controller and for the apply.\n\n",
		len(r.city.Platforms), len(r.city.Platforms)-1, r.city.entryCount(), o.EntriesPerPlatform, r.city.Covered, r.city.Covered,
		r.city.projectCount(), r.city.projectCount(), o.Nodes, o.Workers)
	row := func(what, value, goal string) { fmt.Fprintf(w, "| %s | %s | %s |\n", what, value, goal) }
	fmt.Fprintln(w, "| measure | value | goal |")
	fmt.Fprintln(w, "|---|---|---|")
	row("operator: apply → converged", fmt.Sprintf("%.1f s (the apply itself %.1f s)", r.converge.Seconds(), r.apply.Seconds()), "")
	if o.Floor {
		row(fmt.Sprintf("floor: the run's %d writes by a raw client with %d workers", r.floorWrites, r.floorWorkers()), fmt.Sprintf("%.1f s", r.floor.Seconds()), "")
		ratio := r.converge.Seconds() / r.floor.Seconds()
		row("ratio operator / floor", fmt.Sprintf("%.2f", ratio), verdictMax(ratio, 1.3, "%.2f"))
	}
	per := func(n int) string { return fmt.Sprintf("%.2f per object", float64(n)/float64(r.objects)) }
	row(fmt.Sprintf("manager writes by convergence (%d objects applied)", r.objects), fmt.Sprintf("%d, %s", r.conv.total(), per(r.conv.total())), "")
	row("manager writes in a quiet window after convergence", fmt.Sprintf("%s in %.0f s", r.quiet.summary(4), r.quietFor.Seconds()), verdictZero(r.quiet.total()))
	row("manager writes after a restart, until it has reconciled everything once (re-list)", fmt.Sprintf("%s in %.0f s", r.restart.summary(4), r.restartFor.Seconds()), verdictZero(r.restart.total()))
	row(fmt.Sprintf("manager writes in a steady window of a full resync (--sync-period=%s)", o.SyncPeriod), fmt.Sprintf("%s in %.0f s (%s)", r.steady.summary(4), r.steadyFor.Seconds(), reconcileSummary(r.steadyReconciles)), verdictZero(r.steady.total()))
	rss := max(r.rssConv, r.rssSteady)
	row(fmt.Sprintf("manager RSS at %d entries", r.city.entryCount()), fmt.Sprintf("%s at convergence, %s after the quiet window (peak %s); restarted, after its re-list %s (peak %s)",
		mib(r.rssConv), mib(r.rssSteady), mib(r.peakConv), mib(r.rssRestart), mib(r.peakRestart)), verdictMax(float64(rss)/(1<<20), 200, "%.0f MiB"))
	row("manager Go heap (allocated)", fmt.Sprintf("%s at convergence, %s after the quiet window, %s after the re-list", mib(r.heapConv), mib(r.heapSteady), mib(r.heapRest)), "")
	names := make([]string, 0, len(r.latency))
	for c := range r.latency {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		l := r.latency[c]
		row("reconcile "+c+" p50 / p99", fmt.Sprintf("%s / %s (%.0f reconciles)", ms(l.p50), ms(l.p99), l.count), "")
	}
	for _, k := range []string{"CatalogEntry", "Submission", "DataPlatform", "SubmissionPolicy", "Project"} {
		s := r.etcd[k]
		row("etcd bytes per "+k, fmt.Sprintf("%.0f (%d objects, %.1f MiB; largest %d)", s.perObject(), s.Keys, float64(s.KeyBytes+s.ValueBytes)/(1<<20), s.LargestItem), "")
	}
	row("etcd database", fmt.Sprintf("%.0f MiB (before the floor)", float64(r.dbSize)/(1<<20)), "")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Manager writes by convergence, by resource: %s.\n", strings.Join(r.conv.byResource(), ", "))
	if o.Floor {
		keys := make([]string, 0, len(r.floorCounts))
		for k := range r.floorCounts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return r.floorCounts[keys[i]] > r.floorCounts[keys[j]] })
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%d %s", r.floorCounts[k], k))
		}
		fmt.Fprintf(w, "Floor writes: %s.\n", strings.Join(parts, ", "))
	}
	if len(r.machineLoad) > 0 {
		fmt.Fprintf(w, "Machine load during the run (/proc/loadavg every 30 s): %s.\n", strings.Join(r.machineLoad, "; "))
	}
}

func reconcileSummary(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return "reconciles: " + strings.Join(parts, ", ")
}

func verdictZero(n int) string {
	if n == 0 {
		return "0: met"
	}
	return fmt.Sprintf("0: missed by %d", n)
}

func verdictMax(v, goal float64, format string) string {
	g := fmt.Sprintf(format, goal)
	if v <= goal {
		return "≤ " + g + ": met"
	}
	return fmt.Sprintf("≤ %s: missed by "+format+" (%.0f%%)", g, v-goal, 100*(v-goal)/goal)
}
