package s3client_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scidata-io/scidata-operator/internal/s3client"
	"github.com/scidata-io/scidata-operator/internal/s3test"
)

// TestPutTreeListCat uploads a directory laid out as a mounted ConfigMap
// (files behind ..data symlinks) over verified TLS, lists it and reads one
// back: only the visible files are uploaded, under the prefix.
func TestPutTreeListCat(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "scidata")
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
	ctx := context.Background()
	roots, err := s3client.Roots(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s3client.Dial(ctx, "https://"+srv.Endpoint, s3test.RootAccess, s3test.RootSecret, roots, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}

	var put bytes.Buffer
	if err := s3client.PutTree(ctx, &put, cl, "scidata", "agronomy/trials/", dir); err != nil {
		t.Fatalf("PutTree: %v", err)
	}
	want := "15\tagronomy/trials/plots.csv\n14\tagronomy/trials/soil.csv\n"
	if put.String() != want {
		t.Fatalf("PutTree printed %q, want %q", put.String(), want)
	}
	var listed bytes.Buffer
	if err := s3client.List(ctx, &listed, cl, "scidata", "agronomy/"); err != nil {
		t.Fatal(err)
	}
	if listed.String() != want {
		t.Fatalf("List printed %q, want %q (only the visible files, under the prefix)", listed.String(), want)
	}
	var got bytes.Buffer
	if err := s3client.Cat(ctx, &got, cl, "scidata", "agronomy/trials/soil.csv"); err != nil || got.String() != files["soil.csv"] {
		t.Fatalf("Cat = %q, %v", got.String(), err)
	}
	if err := s3client.PutTree(ctx, &put, cl, "scidata", "x/", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no file to upload") {
		t.Fatalf("PutTree of an empty directory: %v", err)
	}
}
