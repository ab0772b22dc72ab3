package sync_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// Run with (figures in docs/benchmarks.md):
//
//	make versitygw seaweedfs
//	go test -run '^$' -bench BenchmarkSync -benchtime 3x ./internal/sync/
//
// For each engine and dataset it reports the sync's throughput through both
// TLS servers (objects/s and MB/s), the floor measured in the same run right
// after it (the same bytes read from local files and hashed with SHA-256,
// one file after the other, best of three rounds: no network, no TLS, no S3
// server), their ratio,
// and the processor time per object of the worker and of each store. When
// the benchmarks have run, TestMain prints them as one table with the goals
// of each dataset and the machine's load average.

func BenchmarkSync(b *testing.B) {
	benchLoad[0] = loadAverage()
	for _, e := range s3test.Engines {
		for _, d := range benchDatasets {
			b.Run(string(e)+"/"+d.name, func(b *testing.B) { benchSync(b, e, d) })
		}
	}
	benchLoad[1] = loadAverage()
}

// benchDataset is one dataset and the goal the sync has on it.
type benchDataset struct {
	name string
	n    int
	size int64
	goal string
	met  func(r benchRow) bool
}

var benchDatasets = []benchDataset{
	{"small-16KiB", 2000, 16 << 10, "≥ 500 objects/s", func(r benchRow) bool { return r.objects >= 500 }},
	{"large-64MiB", 4, 64 << 20, "≥ 0.5 × floor", func(r benchRow) bool { return r.ratio >= 0.5 }},
}

// benchRow is what one benchmark measured, kept for the table.
type benchRow struct {
	engine                 s3test.Engine
	data                   benchDataset
	objects, mbs           float64
	floorMBs, floorObjects float64
	ratio                  float64
	cpu                    [3]time.Duration // per object: worker, department's store, Center's store
	load                   [2]string
}

var (
	benchRows []benchRow // the last run of each benchmark, in order
	benchLoad [2]string  // load average when BenchmarkSync began and ended
)

func benchSync(b *testing.B, e s3test.Engine, d benchDataset) {
	n, size := d.n, d.size
	c := newCity(b, e)
	ctx := context.Background()
	files := writeDataset(b, n, size)
	g := new(errgroup.Group)
	g.SetLimit(8)
	root := c.dept.Root()
	for i, f := range files {
		g.Go(func() error {
			_, err := root.FPutObject(ctx, c.src, fmt.Sprintf("rainfall/part-%05d.bin", i), f, minio.PutObjectOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	total := int64(n) * size
	load := loadAverage()
	cpu0 := cpuTimes(b, c)
	b.SetBytes(total)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		cfg := c.config(b)
		cfg.Transport = nil // as a sync Job runs it: no request counting
		cfg.ContentVersion = fmt.Sprintf("bench-%d", i)
		if _, err := syncer.Run(ctx, cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	cpu1 := cpuTimes(b, c)
	syncRate := float64(total*int64(b.N)) / elapsed / 1e6
	floorRate := hashFloor(b, files, total)
	r := benchRow{engine: e, data: d, objects: float64(n*b.N) / elapsed, mbs: syncRate,
		floorMBs: floorRate, floorObjects: floorRate * 1e6 / float64(size), ratio: syncRate / floorRate,
		load: [2]string{load, loadAverage()}}
	for i := range r.cpu {
		r.cpu[i] = (cpu1[i] - cpu0[i]) / time.Duration(n*b.N)
	}
	b.ReportMetric(r.objects, "objects/s")
	b.ReportMetric(syncRate, "sync-MB/s")
	b.ReportMetric(floorRate, "floor-MB/s")
	b.ReportMetric(r.ratio, "ratio")
	for i, old := range benchRows {
		if old.engine == e && old.data.name == d.name {
			benchRows = append(benchRows[:i], benchRows[i+1:]...)
			break
		}
	}
	benchRows = append(benchRows, r)
}

// printBenchTable prints the benchmarks' figures as one table, the last
// lines of the run.
func printBenchTable() {
	if len(benchRows) == 0 {
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "\nsync worker, GOMAXPROCS %d, %d objects in flight by default; load average (1, 5, 15 min) %s at the start, %s at the end\n",
		runtime.GOMAXPROCS(0), 8*runtime.GOMAXPROCS(0), benchLoad[0], benchLoad[1])
	fmt.Fprintln(w, "engine\tdataset\tobjects/s\tMB/s\tfloor MB/s\tfloor objects/s\tratio\tgoal\t\tCPU/object: worker\tdept store\tCenter store")
	for _, r := range benchRows {
		verdict := "met"
		if !r.data.met(r) {
			verdict = "missed"
		}
		fmt.Fprintf(w, "%s\t%d × %s\t%.1f\t%.1f\t%.0f\t%.0f\t%.3f\t%s\t%s\t%s\t%s\t%s\n",
			r.engine, r.data.n, byteSize(r.data.size), r.objects, r.mbs, r.floorMBs, r.floorObjects, r.ratio,
			r.data.goal, verdict, r.cpu[0].Round(time.Microsecond), r.cpu[1].Round(time.Microsecond), r.cpu[2].Round(time.Microsecond))
	}
	_ = w.Flush()
}

func byteSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// writeDataset writes n files of size pseudo-random bytes and returns
// their paths: what the department uploads, and what the floor reads.
func writeDataset(b *testing.B, n int, size int64) []string {
	dir := b.TempDir()
	files := make([]string, n)
	for i := range n {
		files[i] = filepath.Join(dir, fmt.Sprintf("part-%05d.bin", i))
		f, err := os.Create(files[i])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, randomReader(size, uint64(i))); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return files
}

// hashFloor reads the dataset's files and hashes them with SHA-256, one
// after the other: the most any copy that verifies SHA-256 could do on
// this machine, with no network, TLS or S3 server in the way. It is the
// best of three rounds, the one least slowed by whatever else runs.
func hashFloor(b *testing.B, files []string, total int64) float64 {
	buf := make([]byte, 1<<20)
	best := 0.0
	for range 3 {
		start := time.Now()
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, f, buf); err != nil {
				b.Fatal(err)
			}
			_ = f.Close()
		}
		best = max(best, float64(total)/time.Since(start).Seconds()/1e6)
	}
	return best
}

// cpuTimes is the processor time used so far by this process (the
// worker), the department's store and the Center's store. On SeaweedFS the
// stores are shared with other tests, which are not running meanwhile.
func cpuTimes(b *testing.B, c *city) [3]time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	dept, err := c.dept.CPU()
	if err != nil {
		b.Fatal(err)
	}
	center, err := c.center.CPU()
	if err != nil {
		b.Fatal(err)
	}
	return [3]time.Duration{self, dept, center}
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	var one, five, fifteen string
	_, _ = fmt.Sscan(string(b), &one, &five, &fifteen)
	return one + " " + five + " " + fifteen
}
