package s3client

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/netwait"
)

// Dial is New for a short-lived client in a new pod: it first waits, up to
// reach, for the store to accept connections, because a new pod's first
// connections can be refused until the NetworkPolicy enforcer has seen it.
func Dial(ctx context.Context, endpoint, access, secret string, roots *x509.CertPool, reach time.Duration) (*minio.Client, error) {
	host, err := HostPort(endpoint)
	if err != nil {
		return nil, err
	}
	if err := netwait.Reachable(ctx, host, reach); err != nil {
		return nil, err
	}
	return New(host, access, secret, roots, "")
}

// PutTree uploads every regular file under dir to prefix + its path
// relative to dir, writing "size<TAB>key" to out for each. Names starting
// with ".." are skipped: a mounted ConfigMap holds its files behind ..data
// symlinks, and only the visible names are data. A tree with no file is an
// error, so an empty mount never passes for an upload.
func PutTree(ctx context.Context, out io.Writer, cl *minio.Client, bucket, prefix, dir string) error {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), "..") {
			return nil
		}
		info, err := os.Stat(path) // follows the symlink
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if err := putFile(ctx, cl, bucket, prefix+filepath.ToSlash(rel), path, info.Size()); err != nil {
			return err
		}
		fmt.Fprintf(out, "%d\t%s\n", info.Size(), prefix+filepath.ToSlash(rel))
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s holds no file to upload", dir)
	}
	return nil
}

func putFile(ctx context.Context, cl *minio.Client, bucket, key, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := cl.PutObject(ctx, bucket, key, f, size, minio.PutObjectOptions{}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// List writes "size<TAB>key" to out for every object under prefix, in the
// store's (lexical) order.
func List(ctx context.Context, out io.Writer, cl *minio.Client, bucket, prefix string) error {
	for obj := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return obj.Err
		}
		fmt.Fprintf(out, "%d\t%s\n", obj.Size, obj.Key)
	}
	return nil
}

// Cat writes an object's bytes to out.
func Cat(ctx context.Context, out io.Writer, cl *minio.Client, bucket, key string) error {
	obj, err := cl.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.Copy(out, obj)
	return err
}
