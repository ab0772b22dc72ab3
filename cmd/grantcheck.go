package cmd

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/s3client"
)

func newGrantCheckCommand() *cobra.Command {
	var dir, termination string
	var wait time.Duration
	c := &cobra.Command{
		Use:   "grant-check",
		Short: "Prove an access grant from where it is used (the grant's check Job)",
		Long: "grant-check reads an access grant's Secret mounted in --grant (the credential, the store's\n" +
			"endpoint, bucket, prefix and CA) and proves, over verified TLS, that the credential lists and\n" +
			"reads the prefix, is refused a write there and a listing of the whole bucket. It tries again\n" +
			"until --wait has passed while the credential cannot read yet (the grant is still on its way to\n" +
			"the store), and fails at once if it can write. The result is JSON on stdout and in the\n" +
			"termination message. Keys are never printed.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			log := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
			chk, err := grantCheckFrom(dir, wait, log)
			if err != nil {
				return err
			}
			res, err := chk.Run(c.Context())
			_, _ = fmt.Fprintln(c.OutOrStdout(), res.Summary())
			if werr := os.WriteFile(termination, []byte(res.Summary()), 0o644); werr != nil && !os.IsNotExist(werr) {
				log.Warn("cannot write the termination message", "error", werr.Error())
			}
			return err
		},
	}
	c.Flags().StringVar(&dir, "grant", access.GrantMount, "where the grant's Secret is mounted")
	c.Flags().DurationVar(&wait, "wait", 3*time.Minute, "how long the grant may take to reach the store")
	c.Flags().StringVar(&termination, "termination-log", "/dev/termination-log", "where the result is written for the kubelet")
	return c
}

// grantCheckFrom builds the check from the mounted grant Secret.
func grantCheckFrom(dir string, wait time.Duration, log *slog.Logger) (access.Check, error) {
	read := func(key string, required bool) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, key))
		if err != nil {
			if !required && os.IsNotExist(err) {
				return "", nil
			}
			return "", fmt.Errorf("the grant's Secret in %s: %w", dir, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	vals := map[string]string{}
	for key, required := range map[string]bool{access.KeyAccess: true, access.KeySecret: true, access.KeyEndpoint: true, access.KeyBucket: true, access.KeyPrefix: true, access.KeyRegion: false} {
		v, err := read(key, required)
		if err != nil {
			return access.Check{}, err
		}
		vals[key] = v
	}
	var roots *x509.CertPool // nil: the system roots
	if _, err := os.Stat(filepath.Join(dir, access.KeyCA)); err == nil {
		r, err := s3client.Roots(filepath.Join(dir, access.KeyCA))
		if err != nil {
			return access.Check{}, err
		}
		roots = r
	}
	cl, err := s3client.New(vals[access.KeyEndpoint], vals[access.KeyAccess], vals[access.KeySecret], roots, "")
	if err != nil {
		return access.Check{}, err
	}
	return access.Check{Client: cl, Bucket: vals[access.KeyBucket], Prefix: vals[access.KeyPrefix], Wait: wait, Interval: 2 * time.Second, Log: log}, nil
}
