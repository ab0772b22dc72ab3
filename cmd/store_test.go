package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/scidata-io/scidata-operator/internal/s3test"
)

// mountSecret writes an account's keys as a mounted Secret lays them out.
func mountSecret(t *testing.T, access, secret string) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range map[string]string{"accessKeyID": access, "secretAccessKey": secret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestStoreInitAndBootstrapCommands runs both commands the way the store's
// pod does: store-init before the server starts, store-bootstrap beside it;
// /readyz turns 200 only once the upload account can write and the Center's
// account can read.
func TestStoreInitAndBootstrapCommands(t *testing.T) {
	upload := mountSecret(t, "UPLOADACCESSKEY00001", "upload-secret-000000000000000000000001")
	read := mountSecret(t, "CENTERREADACCESS0001", "read-secret-00000000000000000000000001")
	t.Setenv(rootAccessEnv, s3test.RootAccess)
	t.Setenv(rootSecretEnv, s3test.RootSecret)
	srv := s3test.StartWith(t, s3test.Options{Prepare: func(iamDir string) error {
		return Execute([]string{"store-init", "--iam-dir", iamDir, "--account", "upload=" + upload, "--account", "center-read=" + read})
	}})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := l.Addr().String()
	_ = l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ExecuteContext(ctx, []string{"store-bootstrap", "--endpoint", srv.Endpoint, "--server-name", "localhost", "--ca-file", srv.CAFile,
			"--grant", "upload=" + upload + ":manage", "--grant", "center-read=" + read + ":read", "--health-addr", health})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("store-bootstrap: %v", err)
		}
	})

	// Poll /readyz until it answers 200; the command must not exit meanwhile.
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for the command's end
			return false, fmt.Errorf("store-bootstrap exited: %v", err)
		default:
		}
		resp, err := http.Get("http://" + health + "/readyz")
		if err != nil {
			return false, nil
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Logf("readyz %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("store-bootstrap not ready within 20s: %v", err)
	}

	up := srv.Client("UPLOADACCESSKEY00001", "upload-secret-000000000000000000000001")
	data := []byte("station,rain\n1,3.2\n")
	if _, err := up.PutObject(context.Background(), "scidata", "raw/rain.csv", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("upload account put: %v", err)
	}
	rd := srv.Client("CENTERREADACCESS0001", "read-secret-00000000000000000000000001")
	obj, err := rd.GetObject(context.Background(), "scidata", "raw/rain.csv", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("center-read get: %q, %v", got, err)
	}
	if _, err := rd.PutObject(context.Background(), "scidata", "raw/x", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err == nil {
		t.Fatal("the Center's read-only account could write")
	}
}

func TestStoreCommandsRefuseBadFlags(t *testing.T) {
	keys := mountSecret(t, "A", "B")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"store-init", "--iam-dir", t.TempDir()}, "no --account"},
		{[]string{"store-init", "--iam-dir", t.TempDir(), "--account", "upload"}, "want name=directory"},
		{[]string{"store-init", "--iam-dir", t.TempDir(), "--account", "upload=" + t.TempDir()}, "account upload"},
		{[]string{"store-bootstrap", "--server-name", "x", "--ca-file", "/nonexistent", "--grant", "upload=" + keys + ":admin"}, `level "admin"`},
		{[]string{"store-bootstrap", "--server-name", "x", "--ca-file", "/nonexistent", "--grant", "upload"}, "want name=directory:level"},
	} {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			err := Execute(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestObjectsPutListCat uploads a directory laid out as a mounted
// ConfigMap (files behind ..data symlinks), lists it and reads one back.
func TestObjectsPutListCat(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "scidata")
	keys := mountSecret(t, s3test.RootAccess, s3test.RootSecret)
	dir := t.TempDir()
	stamp := filepath.Join(dir, "..2026_11_25_00_00_00.1")
	if err := os.MkdirAll(stamp, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"plots.csv": "plot,se\n1,0.31\n", "soil.csv": "plot,ph\n1,5.6\n"}
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(stamp, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	common := []string{"--endpoint", "https://" + srv.Endpoint, "--ca-file", srv.CAFile, "--credentials", keys}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		root := newRoot()
		root.SetOut(&out)
		root.SetArgs(append(append([]string{"objects"}, args...), common...))
		if err := root.Execute(); err != nil {
			t.Fatalf("objects %v: %v", args, err)
		}
		return out.String()
	}
	run("put", dir, "--prefix", "agronomy/trials/")
	listed := run("ls", "agronomy/")
	want := "15\tagronomy/trials/plots.csv\n14\tagronomy/trials/soil.csv\n"
	if listed != want {
		t.Fatalf("ls printed %q, want %q (only the visible files, under the prefix)", listed, want)
	}
	if got := run("cat", "agronomy/trials/soil.csv"); got != files["soil.csv"] {
		t.Fatalf("cat = %q", got)
	}
	empty := t.TempDir()
	root := newRoot()
	root.SetArgs(append([]string{"objects", "put", empty}, common...))
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "no file to upload") {
		t.Fatalf("put of an empty directory: %v", err)
	}
}
