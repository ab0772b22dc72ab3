package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// syncArgs runs `sync` against one real versitygw holding both buckets, with
// the keys in files as a mounted Secret provides them.
func syncArgs(t *testing.T, s *s3test.Server, prefix, termination string) []string {
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return []string{"sync",
		"--source-endpoint", s.Endpoint, "--source-bucket", "dept", "--source-prefix", prefix,
		"--source-access-key-file", write("src-ak", s3test.RootAccess), "--source-secret-key-file", write("src-sk", s3test.RootSecret),
		"--dest-endpoint", "https://" + s.Endpoint, "--dest-bucket", "center",
		"--department", "water-resources", "--entry", "rainfall", "--content-version", "2026-06",
		"--ca-file", s.CAFile, "--termination-message-path", termination}
}

func TestSyncCommandReportsTheManifestDigestInTheTerminationMessage(t *testing.T) {
	s := s3test.Start(t)
	s.MakeBucket(t, "dept")
	s.MakeBucket(t, "center")
	s.Put(t, "dept", "rainfall/a.csv", []byte("station,mm\nA,12\n"))
	s.Put(t, "dept", "rainfall/b/c.csv", []byte("station,mm\nB,3\n"))
	term := filepath.Join(t.TempDir(), "termination-log")
	t.Setenv("SCIDATA_SYNC_DEST_ACCESS_KEY", s3test.RootAccess)
	t.Setenv("SCIDATA_SYNC_DEST_SECRET_KEY", s3test.RootSecret)

	if err := Execute(syncArgs(t, s, "rainfall", term)); err != nil {
		t.Fatalf("sync: %v", err)
	}
	var sum syncer.Summary
	if err := json.Unmarshal(readAll(t, term), &sum); err != nil {
		t.Fatal(err)
	}
	obj, err := s.Root().GetObject(context.Background(), "center", "water-resources/rainfall/2026-06/manifest.json", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ManifestDigest != receipt.Digest(manifest) || sum.Objects != 2 || sum.Bytes != 31 || sum.ExitCode != 0 {
		t.Fatalf("termination message %+v; the manifest hashes to %s; want 2 objects, 31 bytes", sum, receipt.Digest(manifest))
	}
}

func TestSyncCommandExitsWithTheFailureCodeAndSaysWhyInTheTerminationMessage(t *testing.T) {
	s := s3test.Start(t)
	s.MakeBucket(t, "dept")
	s.MakeBucket(t, "center")
	term := filepath.Join(t.TempDir(), "termination-log")
	t.Setenv("SCIDATA_SYNC_DEST_ACCESS_KEY", s3test.RootAccess)
	t.Setenv("SCIDATA_SYNC_DEST_SECRET_KEY", s3test.RootSecret)

	err := Execute(syncArgs(t, s, "empty", term))
	if got := ExitCode(err); got != syncer.ExitNothingToSubmit {
		t.Fatalf("exit code %d, want %d (nothing to submit); error: %v", got, syncer.ExitNothingToSubmit, err)
	}
	var sum syncer.Summary
	if err := json.Unmarshal(readAll(t, term), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.ExitCode != syncer.ExitNothingToSubmit || !bytes.Contains([]byte(sum.Error), []byte("nothing to submit")) {
		t.Fatalf("termination message %+v does not say nothing was submitted", sum)
	}
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
