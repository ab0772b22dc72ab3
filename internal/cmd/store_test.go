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

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + health + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			t.Logf("readyz %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		select {
		case err := <-done:
			t.Fatalf("store-bootstrap exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("store-bootstrap not ready within 20s (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
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
