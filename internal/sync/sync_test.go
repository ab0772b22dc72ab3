package sync_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sort"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

func TestSyncCopiesEveryObjectAndWritesAManifestWhoseDigestMatchesTheReceiptFormat(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 25, 200_000)
		c.dept.Put(t, c.src, "rainfall-2/not-this.csv", []byte("a sibling prefix is not part of the entry"))
		cfg := c.config(t)

		res, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		var total int64
		for rel, want := range objs {
			if got := c.get(t, "water-resources/rainfall/v1/"+rel); !bytes.Equal(got, want) {
				t.Errorf("%s: %d bytes at the Center differ from the %d bytes at the department", rel, len(got), len(want))
			}
			total += int64(len(want))
		}
		manifest := c.get(t, "water-resources/rainfall/v1/manifest.json")
		if !bytes.Equal(manifest, res.Manifest) {
			t.Fatalf("the manifest in the store differs from the one reported")
		}
		if res.ManifestDigest != receipt.Digest(manifest) {
			t.Fatalf("reported digest %s, the manifest read back hashes to %s", res.ManifestDigest, receipt.Digest(manifest))
		}
		m := readManifest(t, manifest)
		if m.Version != syncer.ManifestVersion || m.Department != "water-resources" || m.Entry != "rainfall" || m.ContentVersion != "v1" {
			t.Errorf("manifest identity: %+v", m)
		}
		if len(m.Objects) != len(objs) || res.Objects != int64(len(objs)) || res.Bytes != total || res.Copied != int64(len(objs)) {
			t.Fatalf("manifest lists %d objects; result says %d objects, %d bytes, %d copied; want %d objects, %d bytes",
				len(m.Objects), res.Objects, res.Bytes, res.Copied, len(objs), total)
		}
		if !sort.SliceIsSorted(m.Objects, func(i, j int) bool { return m.Objects[i].Path < m.Objects[j].Path }) {
			t.Errorf("manifest objects are not sorted by path")
		}
		for _, e := range m.Objects {
			if want, ok := objs[e.Path]; !ok || e.Size != int64(len(want)) || e.SHA256 != hexSHA256(want) {
				t.Errorf("manifest entry %+v does not describe the source object", e)
			}
		}
		if got, want := c.puts.Puts(), int64(len(objs)+1); got != want {
			t.Errorf("%d data PUTs, want one per object plus the manifest (%d)", got, want)
		}
	})
}

func TestSyncRunAgainAfterCompletionWritesNothingAndReportsTheSameDigest(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.seed(t, "rainfall", 10, 5000)
		first, err := syncer.Run(context.Background(), c.config(t), nil)
		if err != nil {
			t.Fatalf("first sync: %v", err)
		}
		cfg := c.config(t)
		second, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("second sync: %v", err)
		}
		if second.ManifestDigest != first.ManifestDigest || second.Copied != 0 || c.puts.Puts() != 0 {
			t.Fatalf("second run: digest %s (first %s), copied %d, %d PUTs; want the same digest and no writes",
				second.ManifestDigest, first.ManifestDigest, second.Copied, c.puts.Puts())
		}
		if n := c.puts.Requests(c.center.Endpoint, http.MethodPut); n != 0 {
			t.Errorf("second run sent %d PUTs to the Center, want none (not even a checksum probe)", n)
		}
	})
}

func TestSyncResumesAfterInterruptionWithoutCopyingVerifiedObjectsAgain(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 12, 20_000)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg := c.config(t)
		cfg.Parallel = 1
		done := 0
		cfg.OnObject = func(string, bool) {
			if done++; done == 5 {
				cancel() // the pod is killed after five objects
			}
		}
		_, err := syncer.Run(ctx, cfg, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, want context.Canceled", err)
		}
		wantCode(t, err, syncer.ExitTransient)
		if _, err := c.center.Root().StatObject(context.Background(), c.dst, "water-resources/rainfall/v1/manifest.json", minio.StatObjectOptions{}); err == nil {
			t.Fatalf("an interrupted run left a manifest: the manifest must be written last")
		}

		cfg = c.config(t)
		res, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("resumed run: %v", err)
		}
		// The sixth object may have been written before the cancel reached it,
		// but its hash was never recorded, so it is rightly copied again.
		if res.Copied < int64(len(objs)-6) || res.Copied > int64(len(objs)-5) {
			t.Errorf("resumed run copied %d objects, want %d or %d (the ones not verified before)", res.Copied, len(objs)-6, len(objs)-5)
		}
		if got := c.puts.Puts(); got != res.Copied+1 {
			t.Errorf("resumed run made %d data PUTs, want %d (copied objects and the manifest)", got, res.Copied+1)
		}
		for rel, want := range objs {
			if got := c.get(t, "water-resources/rainfall/v1/"+rel); !bytes.Equal(got, want) {
				t.Errorf("%s differs after resume", rel)
			}
		}
	})
}
