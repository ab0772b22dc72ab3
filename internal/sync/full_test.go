package sync_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// TestSyncIntoAFullCenterStoreFailsWithStoreFull runs the Center's S3
// server on a 4 MiB tmpfs and submits 6 MiB: the worker must stop with the
// distinct "store full" code and a message that says what to do, not a
// generic transient error retried forever. Mounting needs root, as the
// real-node tests do; without it the test fails saying so.
func TestSyncIntoAFullCenterStoreFailsWithStoreFull(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		dir := filepath.Join(t.TempDir(), "full")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Fatalf("mount a 4 MiB tmpfs for the full Center store (needs root, like make test's real-node tests): %v: %s", err, out)
		}
		// Registered before the server starts, so it runs after the server stops.
		t.Cleanup(func() {
			if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", dir, err, out)
			}
		})
		dept := s3test.StartWith(t, s3test.Options{Engine: e, Bucket: "data"})
		center := s3test.StartWith(t, s3test.Options{Engine: e, DataDir: dir, Bucket: "submissions"})
		for _, name := range []string{"a.bin", "b.bin", "c.bin"} {
			data := make([]byte, 2<<20)
			_, _ = rand.Read(data)
			dept.Put(t, "data", "rainfall/"+name, data)
		}
		c := &city{engine: e, dept: dept, center: center, src: "data", dst: "submissions"}
		cfg := c.config(t)
		cfg.Parallel = 1
		_, err := syncer.Run(context.Background(), cfg, nil)
		wantCode(t, err, syncer.ExitStoreFull)
		if !strings.Contains(err.Error(), "full") {
			t.Errorf("the error %q does not say the store is full", err)
		}
		// Nothing half-written is sealed: no manifest landed.
		if _, err := os.Stat(filepath.Join(dir, "submissions", "water-resources", "rainfall", "v1", syncer.ManifestName)); err == nil {
			t.Error("a manifest was written for a version that did not fit")
		}
		var buf bytes.Buffer
		buf.WriteString(center.Log())
		t.Logf("the server said: %.300s", buf.String())
	})
}
