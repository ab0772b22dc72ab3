package sync_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// tamper changes the first bytes of a destination object and keeps its
// size and recorded metadata. On versitygw it overwrites the posix
// backend's file in place, as bit rot or a hand on the disk would. SeaweedFS
// keeps objects inside volume files (with a CRC per needle), so there the
// object is rewritten through S3 as root, keeping the recorded metadata: a
// store that no longer holds what it acknowledged.
func tamper(t *testing.T, c *city, key string) {
	t.Helper()
	if c.engine == s3test.Versity {
		f, err := os.OpenFile(c.center.ObjectPath(c.dst, key), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		if _, err := f.WriteAt([]byte("TAMPERED"), 0); err != nil {
			t.Fatal(err)
		}
		return
	}
	ctx := context.Background()
	root := c.center.Root()
	info, err := root.StatObject(ctx, c.dst, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := c.get(t, key)
	copy(b, "TAMPERED")
	meta := map[string]string{}
	for k, v := range info.UserMetadata {
		meta[k] = v
	}
	if _, err := root.PutObject(ctx, c.dst, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{UserMetadata: meta}); err != nil {
		t.Fatal(err)
	}
}

func TestSyncCopiesAgainAVerifiedObjectWhoseBytesNoLongerMatchItsRecordedSHA256(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 6, 3000)
		objs["big.bin"] = bytes.Repeat([]byte("rain"), 1000)
		c.dept.Put(t, c.src, "rainfall/big.bin", objs["big.bin"])
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg := c.config(t)
		cfg.Parallel = 1
		var verified []string
		cfg.OnObject = func(key string, _ bool) {
			if verified = append(verified, key); len(verified) == 3 {
				cancel()
			}
		}
		if _, err := syncer.Run(ctx, cfg, nil); err == nil {
			t.Fatal("the interrupted run succeeded")
		}
		rel := verified[0][len("rainfall/"):]
		tamper(t, c, "water-resources/rainfall/v1/"+rel)

		cfg = c.config(t)
		res, err := syncer.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("resumed run: %v", err)
		}
		if got := c.get(t, "water-resources/rainfall/v1/"+rel); !bytes.Equal(got, objs[rel]) {
			t.Fatalf("the tampered object %s was not copied again", rel)
		}
		if res.Copied != int64(len(objs)-2) {
			t.Errorf("copied %d, want %d: the tampered object again, and those never verified", res.Copied, len(objs)-2)
		}
	})
}

func TestSyncOfACompletedVersionReportsAnObjectCorruptedSinceAsDestinationCorrupt(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		objs := c.seed(t, "rainfall", 4, 3000)
		if _, err := syncer.Run(context.Background(), c.config(t), nil); err != nil {
			t.Fatal(err)
		}
		for rel, b := range objs {
			if len(b) > 8 {
				tamper(t, c, "water-resources/rainfall/v1/"+rel)
				break
			}
		}
		cfg := c.config(t)
		_, err := syncer.Run(context.Background(), cfg, nil)
		wantCode(t, err, syncer.ExitDestinationCorrupt)
		if c.puts.Puts() != 0 {
			t.Errorf("a completed version was written to (%d PUTs)", c.puts.Puts())
		}
	})
}

func TestSyncRefusesToRewriteACompletedVersionWhoseSourceChanged(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		changes := map[string]func(t *testing.T, c *city){
			"object added": func(t *testing.T, c *city) {
				c.dept.Put(t, c.src, "rainfall/late-addition.csv", []byte("new data without a new content version"))
			},
			"object rewritten": func(t *testing.T, c *city) {
				c.dept.Put(t, c.src, "rainfall/station-001/day-00001.csv", []byte("corrected values"))
			},
			"object removed": func(t *testing.T, c *city) {
				if err := c.dept.Root().RemoveObject(context.Background(), c.src, "rainfall/station-002/day-00002.csv", minio.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			},
		}
		for name, change := range changes {
			t.Run(name, func(t *testing.T) {
				c := newCity(t, e)
				c.seed(t, "rainfall", 4, 3000)
				if _, err := syncer.Run(context.Background(), c.config(t), nil); err != nil {
					t.Fatal(err)
				}
				before := c.get(t, "water-resources/rainfall/v1/manifest.json")
				change(t, c)
				cfg := c.config(t)
				_, err := syncer.Run(context.Background(), cfg, nil)
				wantCode(t, err, syncer.ExitVersionConflict)
				if !bytes.Equal(c.get(t, "water-resources/rainfall/v1/manifest.json"), before) || c.puts.Puts() != 0 {
					t.Fatalf("the completed version was written to (%d PUTs)", c.puts.Puts())
				}
			})
		}
	})
}

func TestSyncStopsWithSourceChangedWhenAnObjectIsRewrittenDuringTheCopy(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.seed(t, "rainfall", 5, 3000)
		cfg := c.config(t)
		cfg.Parallel = 1
		first := true
		cfg.OnObject = func(string, bool) {
			if first { // the department rewrites a later object mid-sync
				first = false
				c.dept.Put(t, c.src, "rainfall/station-004/day-00004.csv", []byte("rewritten while the Center was copying"))
			}
		}
		_, err := syncer.Run(context.Background(), cfg, nil)
		wantCode(t, err, syncer.ExitSourceChanged)
	})
}

func TestSyncOfAnEmptyPrefixFailsWithNothingToSubmit(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.dept.Put(t, c.src, "other-entry/x.csv", []byte("x"))
		_, err := syncer.Run(context.Background(), c.config(t), nil)
		wantCode(t, err, syncer.ExitNothingToSubmit)
	})
}

func TestSyncRefusesASourceObjectThatWouldOverwriteTheManifest(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.dept.Put(t, c.src, "rainfall/manifest.json", []byte("{}"))
		_, err := syncer.Run(context.Background(), c.config(t), nil)
		wantCode(t, err, syncer.ExitSourceInvalid)
	})
}

func TestReadOnlyAccountCanReadButPutAndDeleteAreAccessDenied(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.dept.Put(t, c.src, "rainfall/a.csv", []byte("a"))
		ro := c.dept.As(s3test.ReadOnly)
		ctx := context.Background()
		if _, err := ro.StatObject(ctx, c.src, "rainfall/a.csv", minio.StatObjectOptions{}); err != nil {
			t.Fatalf("the read-only account cannot read: %v", err)
		}
		_, err := ro.PutObject(ctx, c.src, "rainfall/b.csv", bytes.NewReader([]byte("b")), 1, minio.PutObjectOptions{})
		if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
			t.Errorf("put with the read-only account: %v (code %q), want AccessDenied", err, code)
		}
		err = ro.RemoveObject(ctx, c.src, "rainfall/a.csv", minio.RemoveObjectOptions{})
		if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
			t.Errorf("delete with the read-only account: %v (code %q), want AccessDenied", err, code)
		}
		if _, err := c.dept.Root().StatObject(ctx, c.src, "rainfall/a.csv", minio.StatObjectOptions{}); err != nil {
			t.Errorf("the object is gone after a refused delete: %v", err)
		}
	})
}

func TestSyncExitCodesForFailuresARetryCannotFix(t *testing.T) {
	onEngines(t, func(t *testing.T, e s3test.Engine) {
		c := newCity(t, e)
		c.dept.Put(t, c.src, "rainfall/a.csv", []byte("a"))
		cases := []struct {
			name   string
			change func(*syncer.Config)
			code   int
		}{
			{"wrong secret", func(cfg *syncer.Config) { cfg.Source.SecretKey = "wrong" }, syncer.ExitAccessDenied},
			{"unknown account", func(cfg *syncer.Config) { cfg.Source.AccessKey = "nobody" }, syncer.ExitAccessDenied},
			{"read-only account as destination", func(cfg *syncer.Config) {
				cfg.Dest = syncer.Store{Endpoint: c.dept.Endpoint, Bucket: c.src, AccessKey: s3test.ReadOnly.Access, SecretKey: s3test.ReadOnly.Secret}
			}, syncer.ExitAccessDenied},
			// Missing buckets the accounts would be allowed to use.
			{"source bucket missing", func(cfg *syncer.Config) { cfg.Source.Bucket = c.src + "-missing" }, syncer.ExitBucketMissing},
			{"destination bucket missing", func(cfg *syncer.Config) { cfg.Dest.Bucket = c.dst + "-missing" }, syncer.ExitBucketMissing},
			// A bucket outside the account's grant: versitygw says it is
			// missing; SeaweedFS refuses an identity whose actions name
			// other buckets before it looks, existing or not.
			{"bucket outside the account's grant", func(cfg *syncer.Config) { cfg.Source.Bucket = "no-such-bucket" },
				map[s3test.Engine]int{s3test.Versity: syncer.ExitBucketMissing, s3test.SeaweedFS: syncer.ExitAccessDenied}[e]},
			{"certificate from another CA", func(cfg *syncer.Config) { cfg.RootCAs = x509.NewCertPool() }, syncer.ExitUntrusted},
			{"classified data, Center not cleared", func(cfg *syncer.Config) {
				cfg.Classification, cfg.CenterMax = "Secret", "Confidential"
			}, syncer.ExitClassificationRefused},
			{"department store gone", func(cfg *syncer.Config) { cfg.Source.Endpoint = "127.0.0.1:1" }, syncer.ExitUnreachable},
			{"plain http endpoint", func(cfg *syncer.Config) { cfg.Source.Endpoint = "http://" + c.dept.Endpoint }, syncer.ExitUsage},
			{"entry with a slash", func(cfg *syncer.Config) { cfg.Entry = "rain/fall" }, syncer.ExitUsage},
		}
		for _, tc := range cases {
			// Decided by the worker alone, whatever the engine (nothing
			// listens there; the worker's own CA pool refuses the
			// certificate, and s3test checks each engine presents its CA's):
			// once is enough, and each costs seconds of the S3 client's
			// retries.
			if (tc.name == "department store gone" || tc.name == "certificate from another CA") && e != s3test.Versity {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				cfg := c.config(t)
				tc.change(&cfg)
				_, err := syncer.Run(context.Background(), cfg, nil)
				wantCode(t, err, tc.code)
			})
		}
		cfg := c.config(t)
		cfg.Classification, cfg.CenterMax = "Confidential", "Confidential"
		if _, err := syncer.Run(context.Background(), cfg, nil); err != nil {
			t.Fatalf("data at the Center's own clearance was refused: %v", err)
		}
	})
}
