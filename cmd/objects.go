package cmd

import (
	"context"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3client"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

type objectsOptions struct {
	endpoint, bucket, caFile, credentials string
}

func (o objectsOptions) client(ctx context.Context) (*minio.Client, error) {
	acc, err := storeboot.ReadAccount("credentials", o.credentials, platform.AccessKeyField, platform.SecretKeyField)
	if err != nil {
		return nil, err
	}
	roots, err := s3client.Roots(o.caFile)
	if err != nil {
		return nil, err
	}
	return s3client.Dial(ctx, o.endpoint, acc.Access, acc.Secret, roots, 30*time.Second)
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
	pf.StringVar(&o.bucket, "bucket", "", "the bucket (a platform's status.endpoints.bucket)")
	pf.StringVar(&o.caFile, "ca-file", "", "PEM of the CA the store's certificate is checked against (ConfigMap scidata-ca)")
	pf.StringVar(&o.credentials, "credentials", "", "directory of a mounted credentials Secret (accessKeyID, secretAccessKey)")
	for _, n := range []string{"endpoint", "bucket", "ca-file", "credentials"} {
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
			cl, err := o.client(c.Context())
			if err != nil {
				return err
			}
			return s3client.PutTree(c.Context(), c.OutOrStdout(), cl, o.bucket, prefix, args[0])
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
			cl, err := o.client(c.Context())
			if err != nil {
				return err
			}
			p := ""
			if len(args) == 1 {
				p = args[0]
			}
			return s3client.List(c.Context(), c.OutOrStdout(), cl, o.bucket, p)
		},
	}
}

func objectsCatCommand(o *objectsOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "cat KEY",
		Short: "Write an object's bytes to stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := o.client(c.Context())
			if err != nil {
				return err
			}
			return s3client.Cat(c.Context(), c.OutOrStdout(), cl, o.bucket, args[0])
		},
	}
}
