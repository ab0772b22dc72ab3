package cmd

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/internal/netwait"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3client"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

type objectsOptions struct {
	endpoint, bucket, caFile, credentials string
}

func (o objectsOptions) client() (*minio.Client, error) {
	acc, err := storeboot.ReadAccount("credentials", o.credentials, platform.AccessKeyField, platform.SecretKeyField)
	if err != nil {
		return nil, err
	}
	roots, err := s3client.Roots(o.caFile)
	if err != nil {
		return nil, err
	}
	host, err := s3client.HostPort(o.endpoint)
	if err != nil {
		return nil, err
	}
	// A new pod's first connections can be refused until the NetworkPolicy
	// enforcer has seen it; wait for the store, bounded.
	if err := netwait.Reachable(context.Background(), host, 30*time.Second); err != nil {
		return nil, err
	}
	return s3client.New(host, acc.Access, acc.Secret, roots, "")
}

// newObjectsCommand is a small S3 client for a platform's store, run in a
// pod of the platform's namespace with its upload credentials mounted: how
// a department loads data without installing another tool.
func newObjectsCommand() *cobra.Command {
	var o objectsOptions
	c := &cobra.Command{
		Use:   "objects",
		Short: "Put, list and read objects in a platform's store (TLS verified, keys from a mounted Secret)",
	}
	pf := c.PersistentFlags()
	pf.StringVar(&o.endpoint, "endpoint", "", "the store: https://host:port (a platform's status.endpoints.objectStore)")
	pf.StringVar(&o.bucket, "bucket", platform.Bucket, "the bucket")
	pf.StringVar(&o.caFile, "ca-file", "", "PEM of the CA the store's certificate is checked against (ConfigMap scidata-ca)")
	pf.StringVar(&o.credentials, "credentials", "", "directory of a mounted credentials Secret (accessKeyID, secretAccessKey)")
	for _, n := range []string{"endpoint", "ca-file", "credentials"} {
		_ = c.MarkPersistentFlagRequired(n)
	}

	c.AddCommand(objectsPutCommand(&o), objectsLsCommand(&o), objectsCatCommand(&o))
	return c
}

func objectsPutCommand(o *objectsOptions) *cobra.Command {
	var prefix string
	put := &cobra.Command{
		Use:   "put DIR",
		Short: "Upload every regular file under DIR to PREFIX/<path relative to DIR>",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := o.client()
			if err != nil {
				return err
			}
			return putTree(c.Context(), c.OutOrStdout(), cl, o.bucket, prefix, args[0])
		},
	}
	put.Flags().StringVar(&prefix, "prefix", "", "key prefix, e.g. agronomy/selenium-tea-trials/")
	return put
}

func objectsLsCommand(o *objectsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [PREFIX]",
		Short: "List objects under PREFIX: size and key, one per line",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := o.client()
			if err != nil {
				return err
			}
			p := ""
			if len(args) == 1 {
				p = args[0]
			}
			for obj := range cl.ListObjects(c.Context(), o.bucket, minio.ListObjectsOptions{Prefix: p, Recursive: true}) {
				if obj.Err != nil {
					return obj.Err
				}
				fmt.Fprintf(c.OutOrStdout(), "%d\t%s\n", obj.Size, obj.Key)
			}
			return nil
		},
	}
}

func objectsCatCommand(o *objectsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "cat KEY",
		Short: "Write an object's bytes to stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := o.client()
			if err != nil {
				return err
			}
			obj, err := cl.GetObject(c.Context(), o.bucket, args[0], minio.GetObjectOptions{})
			if err != nil {
				return err
			}
			defer obj.Close()
			_, err = io.Copy(c.OutOrStdout(), obj)
			return err
		},
	}
}

func putTree(ctx context.Context, out io.Writer, cl *minio.Client, bucket, prefix, dir string) error {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// A mounted ConfigMap holds its files behind ..data symlinks; only
		// the visible names are data.
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
		key := prefix + filepath.ToSlash(rel)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := cl.PutObject(ctx, bucket, key, f, info.Size(), minio.PutObjectOptions{}); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		fmt.Fprintf(out, "%d\t%s\n", info.Size(), key)
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
