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
// TLS servers (objects/s and MB/s), the floor measured in the same run (the
// same bytes read from local files and hashed with SHA-256: no network, no
// TLS, no S3 server), and their ratio; the machine's load average before
// and after the run is printed with them.

func BenchmarkSync(b *testing.B) {
	datasets := []struct {
		name string
		n    int
		size int64
	}{
		{"small-16KiB", 2000, 16 << 10},
		{"large-64MiB", 4, 64 << 20},
	}
	for _, e := range s3test.Engines {
		for _, d := range datasets {
			b.Run(string(e)+"/"+d.name, func(b *testing.B) { benchSync(b, e, d.n, d.size) })
		}
	}
}

func benchSync(b *testing.B, e s3test.Engine, n int, size int64) {
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
	b.ReportMetric(float64(n*b.N)/elapsed, "objects/s")
	b.ReportMetric(syncRate, "sync-MB/s")
	b.ReportMetric(floorRate, "floor-MB/s")
	b.ReportMetric(syncRate/floorRate, "ratio")
	per := func(i int) time.Duration { return (cpu1[i] - cpu0[i]) / time.Duration(n*b.N) }
	b.Logf("%s, %d × %d bytes, GOMAXPROCS %d: %.0f objects/s, %.1f MB/s, floor %.0f MB/s, ratio %.3f; "+
		"CPU per object: worker %s, department's store %s, Center's store %s; load average before %s, after %s",
		e, n, size, runtime.GOMAXPROCS(0), float64(n*b.N)/elapsed, syncRate, floorRate, syncRate/floorRate,
		per(0), per(1), per(2), load, loadAverage())
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
// this machine, with no network, TLS or S3 server in the way.
func hashFloor(b *testing.B, files []string, total int64) float64 {
	buf := make([]byte, 1<<20)
	start := time.Now()
	const rounds = 3
	for range rounds {
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
	}
	return float64(total*rounds) / time.Since(start).Seconds() / 1e6
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
