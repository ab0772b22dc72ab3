package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// backupConfig backs the department's whole bucket up as platform
// "water-resources", backup id, into the "Center's" server playing the
// backup target.
func (c *city) backupConfig(t testing.TB, id string) syncer.Config {
	cfg := c.config(t)
	cfg.SourcePrefix, cfg.Department, cfg.Entry, cfg.ContentVersion = "", "", "", ""
	cfg.Platform, cfg.BackupID = "water-resources", id
	cfg.Classification, cfg.CenterMax = "Internal", "Internal"
	return cfg
}

func TestABackupCopiesTheWholeBucketUnderItsIDWithAManifestAndLeavesTheProbeOut(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 6, 50_000)
		c.dept.Put(t, c.src, "hydrology/levels.csv", []byte("station,level\n"))
		c.dept.Put(t, c.src, ".scidata-probe/water-resources", []byte("probe"))

		res, err := syncer.Run(context.Background(), c.backupConfig(t, "20261201t1600z"), nil)
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		const prefix = "water-resources/20261201t1600z/"
		if res.Destination != prefix {
			t.Errorf("destination %q, want %q", res.Destination, prefix)
		}
		for rel, want := range objs {
			if got := c.get(t, prefix+"rainfall/"+rel); !bytes.Equal(got, want) {
				t.Errorf("%s differs in the backup", rel)
			}
		}
		manifest := c.get(t, prefix+"manifest.json")
		if res.ManifestDigest != receipt.Digest(manifest) {
			t.Fatalf("reported digest %s, the manifest read back hashes to %s", res.ManifestDigest, receipt.Digest(manifest))
		}
		m := readManifest(t, manifest)
		if m.Platform != "water-resources" || m.Backup != "20261201t1600z" || m.Department != "" {
			t.Errorf("manifest identity: %+v", m)
		}
		if res.Objects != int64(len(objs)+1) || len(m.Objects) != len(objs)+1 {
			t.Errorf("%d objects backed up (manifest %d), want the %d data objects without the probe's", res.Objects, len(m.Objects), len(objs)+1)
		}
		for _, o := range m.Objects {
			if o.Path == ".scidata-probe/water-resources" {
				t.Errorf("the probe's object was backed up")
			}
		}

		again, err := syncer.Run(context.Background(), c.backupConfig(t, "20261201t1600z"), nil)
		if err != nil || again.Copied != 0 || again.ManifestDigest != res.ManifestDigest {
			t.Errorf("a second run of the same backup copied %d objects (digest %s, error %v); it should only verify", again.Copied, again.ManifestDigest, err)
		}
	})
}

func TestABackupOfAClassifiedPlatformIntoATargetClearedLowerIsRefused(t *testing.T) {
	c := newCity(t, s3test.Versity)
	c.seed(t, "rainfall", 1, 10)
	cfg := c.backupConfig(t, "20261201t1600z")
	cfg.Classification, cfg.CenterMax = "Secret", "Confidential"
	_, err := syncer.Run(context.Background(), cfg, nil)
	wantCode(t, err, syncer.ExitClassificationRefused)
	cfg.CenterMax = ""
	_, err = syncer.Run(context.Background(), cfg, nil)
	wantCode(t, err, syncer.ExitUsage)
}

// Verifying a backup reads every object back and checks it against the
// manifest: an intact backup verifies; one changed byte is
// ExitDestinationCorrupt, naming the object.
func TestVerifyingABackupDetectsOneChangedByte(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 4, 20_000)
		const id = "20261201t160000z"
		res, err := syncer.Run(context.Background(), c.backupConfig(t, id), nil)
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		verify := c.backupConfig(t, id)
		verify.VerifyOnly = true
		got, err := syncer.Run(context.Background(), verify, nil)
		if err != nil || got.ManifestDigest != res.ManifestDigest || got.Objects != int64(len(objs)) {
			t.Fatalf("an intact backup: %+v, %v", got, err)
		}
		key := c.changeAByteOfTheBackup(t, id, objs)
		_, err = syncer.Run(context.Background(), verify, nil)
		wantCode(t, err, syncer.ExitDestinationCorrupt)
		if !strings.Contains(err.Error(), key) {
			t.Errorf("the error does not name %s: %v", key, err)
		}
	})
}

// restoreConfig restores backup id of "water-resources" from the Center's
// server (the target holding it, read with the upload account that wrote
// it) into bucket of the department's server, with its root account, as
// the restore drill's temporary store is written.
func (c *city) restoreConfig(t testing.TB, id, bucket string) syncer.Config {
	cfg := c.config(t)
	cfg.Source, cfg.Dest = cfg.Dest, syncer.Store{Endpoint: "https://" + c.dept.Endpoint, Bucket: bucket,
		AccessKey: s3test.RootAccess, SecretKey: s3test.RootSecret}
	cfg.SourcePrefix, cfg.Department, cfg.Entry, cfg.ContentVersion = "", "", "", ""
	cfg.Platform, cfg.BackupID, cfg.Restore = "water-resources", id, true
	return cfg
}

// A restore puts every object of a backup back at the key it had, in a
// bucket it makes, and reads each back against the manifest; one changed
// byte in the backup fails the restore with ExitDestinationCorrupt,
// naming the object.
func TestARestoreBringsEveryObjectBackAndDetectsOneChangedByte(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 5, 30_000)
		const id = "20261201t170000z"
		res, err := syncer.Run(context.Background(), c.backupConfig(t, id), nil)
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		bucket := fmt.Sprintf("restored-%d", buckets.Add(1))
		got, err := syncer.Run(context.Background(), c.restoreConfig(t, id, bucket), nil)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		if got.ManifestDigest != res.ManifestDigest || got.Objects != int64(len(objs)) || got.Copied != int64(len(objs)) || got.Bytes != res.Bytes {
			t.Errorf("restore result %+v, backup %+v", got, res)
		}
		for rel, want := range objs {
			if b := getObject(t, c.dept, bucket, "rainfall/"+rel); !bytes.Equal(b, want) {
				t.Errorf("rainfall/%s differs after the restore", rel)
			}
		}
		again, err := syncer.Run(context.Background(), c.restoreConfig(t, id, bucket), nil)
		if err != nil || again.Copied != 0 {
			t.Errorf("restoring again over a complete copy copied %d objects (%v); it should only verify", again.Copied, err)
		}

		key := c.changeAByteOfTheBackup(t, id, objs)
		_, err = syncer.Run(context.Background(), c.restoreConfig(t, id, fmt.Sprintf("restored-%d", buckets.Add(1))), nil)
		wantCode(t, err, syncer.ExitDestinationCorrupt)
		if !strings.Contains(err.Error(), key) {
			t.Errorf("the error does not name %s: %v", key, err)
		}
	})
}

func getObject(t testing.TB, s *s3test.Server, bucket, key string) []byte {
	t.Helper()
	obj, err := s.Root().GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = obj.Close() }()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	return b
}

// changeAByteOfTheBackup flips one bit in the middle of a non-empty object
// of backup id in the Center's server, and returns its key.
func (c *city) changeAByteOfTheBackup(t *testing.T, id string, objs map[string][]byte) string {
	t.Helper()
	var rel string
	for r, b := range objs {
		if len(b) > 0 {
			rel = r
			break
		}
	}
	key := "water-resources/" + id + "/rainfall/" + rel
	b := c.get(t, key)
	b[len(b)/2] ^= 1
	c.center.Put(t, c.dst, key, b)
	return key
}
