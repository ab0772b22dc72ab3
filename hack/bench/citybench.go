package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// cityOptions size the plan's city on a real node.
type cityOptions struct {
	EntriesPerPlatform int
	Workers            int
	Images             []string
	Wait               time.Duration
	Timeout            time.Duration
	Out                io.Writer
}

func (o cityOptions) say(format string, args ...any) {
	fmt.Fprintf(o.Out, "bench: "+format+"\n", args...)
}

func cityMain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("city", flag.ExitOnError)
	o := cityOptions{Out: os.Stdout}
	fs.IntVar(&o.EntriesPerPlatform, "entries-per-platform", 5, "CatalogEntries of each platform")
	fs.IntVar(&o.Workers, "workers", 8, "workers of the apply")
	images := fs.String("images", "bin/images/scidata-operator.tar bin/images/scidata-objectstore.tar", "image tarballs to load into the node (make image writes them)")
	fs.DurationVar(&o.Wait, "wait", 20*time.Minute, "how long to queue for the machine's node")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "how long the city may take to be Ready")
	_ = fs.Parse(args)
	o.Images = strings.Fields(*images)
	res, err := runCity(ctx, o)
	if res != nil && err == nil {
		res.table(os.Stdout)
	}
	return err
}

type cityResult struct {
	opts                    cityOptions
	city                    *city
	ready                   time.Duration
	apply                   time.Duration
	machineBefore, machine  int64 // MemTotal - MemAvailable before up and at Ready
	machinePeak             int64
	hostProcs, pods         int64 // at Ready: the node's processes (RSS), the pods' working set
	clusterPeak             int64
	installed, installedPod int64 // the same after the operator was installed, before the city
	podCount                int
	machineLoad             []string
}

// runCity brings up a real node, installs the operator as a user does
// (its manager in a pod, config/default), applies the plan's city and
// measures the time to Ready and the memory in use.
func runCity(ctx context.Context, o cityOptions) (res *cityResult, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	work := filepath.Join(root, ".local", "bench")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	ct, err := buildCity(root, citySpec{Departments: len(planDepartments), EntriesPerPlatform: o.EntriesPerPlatform,
		StorageSize: "1Gi", Small: true, Now: time.Now()})
	if err != nil {
		return nil, err
	}
	res = &cityResult{opts: o, city: ct}
	res.machineBefore = machineMemInUse()
	args, err := realNodeArgs(root, o.Images)
	if err != nil {
		return nil, err
	}
	o.say("the city: the Center and the plan's %d departments, %d entries (%d covered by the city's policy)", len(ct.Platforms)-1, ct.entryCount(), ct.Covered)
	cl, err := upCluster(ctx, root, work, o.Out, o.Wait, args...)
	defer func() {
		if derr := cl.down(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err != nil {
		return nil, err
	}
	load := startLoadSampler(ctx, 15*time.Second)
	defer func() {
		if res != nil {
			res.machineLoad = load.stop()
		}
	}()
	o.say("installing the operator: kubectl apply --server-side -k config/default")
	if err := cl.installOperator(ctx, true); err != nil {
		return nil, err
	}
	stateDir := filepath.Join(root, ".local", "cluster")
	res.installed, res.installedPod = hostProcessMemory(stateDir), podWorkingSet()
	admin, err := cl.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.New(admin, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}
	tr, err := newTracker(admin, ct)
	if err != nil {
		return nil, err
	}
	if err := tr.start(ctx); err != nil {
		return nil, err
	}
	peak := startMemorySampler(ctx, stateDir, 2*time.Second)
	start := time.Now()
	o.say("applying the city")
	applied := make(chan error, 1)
	go func() {
		_, err := applyCity(ctx, c, o.Workers, tr, ct)
		res.apply = time.Since(start)
		if err == nil {
			tr.markApplied()
		}
		applied <- err
	}()
	at, err := tr.wait(ctx, o.Timeout, 10*time.Second, o.say, func() error {
		select {
		case err := <-applied:
			applied <- err
			return err
		default:
			return nil
		}
	})
	res.machinePeak, res.clusterPeak = peak.stop()
	if err != nil {
		out, _ := cl.k(ctx, "", "get", "dataplatforms,pods", "-A", "-o", "wide")
		return res, fmt.Errorf("%w\n%s", err, out)
	}
	res.ready = at.Sub(start)
	res.machine = machineMemInUse()
	res.hostProcs, res.pods = hostProcessMemory(stateDir), podWorkingSet()
	if out, err := cl.k(ctx, "", "get", "pods", "-A", "--no-headers"); err == nil {
		res.podCount = len(strings.Split(strings.TrimSpace(out), "\n"))
	}
	return res, nil
}

// realNodeArgs are localcluster's arguments for a real node that loads
// the image tarballs (relative to root unless absolute).
func realNodeArgs(root string, images []string) ([]string, error) {
	args := []string{"--mode", "real"}
	for _, i := range images {
		if !filepath.IsAbs(i) {
			i = filepath.Join(root, i)
		}
		if _, err := os.Stat(i); err != nil {
			return nil, fmt.Errorf("image: %w (make image writes it)", err)
		}
		args = append(args, "--load-image", i)
	}
	return args, nil
}

func (r *cityResult) table(w io.Writer) {
	gib := func(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }
	city := r.hostProcs + r.pods
	fmt.Fprintf(w, "\nCity benchmark: the Center and the plan's %d responsible departments on one real node, %d CatalogEntries, %d pods at Ready (small objectStore.resources and portal.resources).\n\n",
		len(r.city.Platforms)-1, r.city.entryCount(), r.podCount)
	fmt.Fprintln(w, "| measure | value | goal |")
	fmt.Fprintln(w, "|---|---|---|")
	fmt.Fprintf(w, "| apply → every platform Ready (its pods running), every entry current | %.1f s (the apply itself %.1f s) | %s |\n", r.ready.Seconds(), r.apply.Seconds(), verdictMax(r.ready.Seconds(), 180, "%.0f s"))
	fmt.Fprintf(w, "| memory of the city at Ready: the node's processes (RSS) + the pods (working set) | %s (%s + %s; peak %s) | %s |\n", gib(city), gib(r.hostProcs), gib(r.pods), gib(r.clusterPeak), verdictMax(float64(city)/(1<<30), 3, "%.1f GiB"))
	fmt.Fprintf(w, "| the same with the operator installed, before the city | %s (%s + %s) | |\n", gib(r.installed+r.installedPod), gib(r.installed), gib(r.installedPod))
	fmt.Fprintf(w, "| machine memory in use (MemTotal − MemAvailable), shared with other work | %s before up, %s at Ready (peak %s) | |\n", gib(r.machineBefore), gib(r.machine), gib(r.machinePeak))
	if len(r.machineLoad) > 0 {
		fmt.Fprintf(w, "\nMachine load during the run (/proc/loadavg every 15 s): %s.\n", strings.Join(r.machineLoad, "; "))
	}
}

// machineMemInUse is MemTotal - MemAvailable.
func machineMemInUse() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var total, avail int64
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			total = kb << 10
		case "MemAvailable:":
			avail = kb << 10
		}
	}
	return total - avail
}

// hostProcessMemory sums the RSS of the node's host processes: every
// process whose command line names the cluster's state directory (the
// components and containerd's shims). The pods' own processes are in the
// kubepods cgroup, counted by podWorkingSet.
func hostProcessMemory(stateDir string) int64 {
	entries, _ := os.ReadDir("/proc")
	var total int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), stateDir) {
			continue
		}
		if rss, _, err := processMemory(pid); err == nil {
			total += rss
		}
	}
	return total
}

// podWorkingSet is the memory of every pod as the kubelet counts it: the
// kubepods memory cgroup's usage less its inactive file pages (cgroup v1,
// the cgroupfs driver this node runs).
func podWorkingSet() int64 {
	dir := "/sys/fs/cgroup/memory/kubepods"
	b, err := os.ReadFile(filepath.Join(dir, "memory.usage_in_bytes"))
	if err != nil {
		return 0
	}
	usage, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	stat, _ := os.ReadFile(filepath.Join(dir, "memory.stat"))
	for _, line := range strings.Split(string(stat), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "total_inactive_file" {
			inactive, _ := strconv.ParseInt(f[1], 10, 64)
			if inactive < usage {
				usage -= inactive
			}
		}
	}
	return usage
}

// memorySampler keeps the peaks of the machine's and the city's memory.
type memorySampler struct {
	mu            sync.Mutex
	machine, city int64
	cancel        context.CancelFunc
	done          chan struct{}
}

func startMemorySampler(ctx context.Context, stateDir string, every time.Duration) *memorySampler {
	ctx, cancel := context.WithCancel(ctx)
	m := &memorySampler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for {
			mach, city := machineMemInUse(), hostProcessMemory(stateDir)+podWorkingSet()
			m.mu.Lock()
			m.machine, m.city = max(m.machine, mach), max(m.city, city)
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}()
	return m
}

func (m *memorySampler) stop() (machine, city int64) {
	m.cancel()
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.machine, m.city
}
