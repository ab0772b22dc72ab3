package storeboot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// TestSidecarIsReadyOnlyOnceTheAccountsCanUseTheBucket runs both steps the
// way the store's pod does: the IAM file before the server starts, the
// sidecar beside it; /readyz turns 200 only once the upload account can
// write and the Center's account can read, and the sidecar keeps running.
func TestSidecarIsReadyOnlyOnceTheAccountsCanUseTheBucket(t *testing.T) {
	srv := s3test.StartWith(t, s3test.Options{Prepare: func(iamDir string) error {
		_, err := storeboot.WriteIAM(iamDir, []storeboot.Account{owners, center}, s3test.RootAccess)
		return err
	}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := l.Addr().String()
	_ = l.Close()

	ctx, cancel := context.WithCancel(context.Background())
	sc := &storeboot.Sidecar{Client: srv.Root(), Bucket: bucket, Grants: []storeboot.Grant{{Account: owners, Access: storeboot.Manage}, {Account: center, Access: storeboot.Read}},
		HealthAddr: health, Interval: time.Minute,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan error, 1)
	go func() { done <- sc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sidecar: %v", err)
		}
	})

	// Poll /readyz until it answers 200; the sidecar must not return meanwhile.
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for the sidecar's end
			return false, errors.Join(errors.New("the sidecar returned before it was ready"), err)
		default:
		}
		resp, err := http.Get("http://" + health + "/readyz")
		if err != nil {
			return false, nil //nolint:nilerr // not listening yet: poll again
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Logf("readyz %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("the sidecar was not ready within 20s: %v", err)
	}

	up := srv.Client(owners.Access, owners.Secret)
	data := []byte("station,rain\n1,3.2\n")
	if _, err := up.PutObject(context.Background(), bucket, "raw/rain.csv", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("upload account put: %v", err)
	}
	rd := srv.Client(center.Access, center.Secret)
	obj, err := rd.GetObject(context.Background(), bucket, "raw/rain.csv", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("center-read get: %q, %v", got, err)
	}
	if _, err := rd.PutObject(context.Background(), bucket, "raw/x", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err == nil {
		t.Fatal("the Center's read-only account could write")
	}
}
