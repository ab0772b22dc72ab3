package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3client"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// The store's root keys, as the S3 server itself reads them.
const (
	rootAccessEnv = "ROOT_ACCESS_KEY"
	rootSecretEnv = "ROOT_SECRET_KEY"
)

// accountFlag is name=dir: an account's keys mounted from a Secret in dir.
func parseAccount(v string) (storeboot.Account, error) {
	name, dir, ok := strings.Cut(v, "=")
	if !ok || name == "" || dir == "" {
		return storeboot.Account{}, fmt.Errorf("--account %q: want name=directory", v)
	}
	return storeboot.ReadAccount(name, dir, platform.AccessKeyField, platform.SecretKeyField)
}

func newStoreInitCommand() *cobra.Command {
	var iamDir string
	var accounts []string
	c := &cobra.Command{
		Use:   "store-init",
		Short: "Write the managed object store's accounts into its IAM file (the store pod's init container)",
		Long: "store-init writes users.json into --iam-dir for the S3 server to read when it starts: one\n" +
			"ordinary account (role user) per --account name=dir, whose keys are the files accessKeyID and\n" +
			"secretAccessKey in dir (a mounted credentials Secret). The accounts named are the whole list;\n" +
			"the root account comes from $ROOT_ACCESS_KEY and may not be reused. Keys are never printed.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			log := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
			var accs []storeboot.Account
			for _, v := range accounts {
				a, err := parseAccount(v)
				if err != nil {
					return err
				}
				accs = append(accs, a)
			}
			if len(accs) == 0 {
				return errors.New("no --account given")
			}
			changed, err := storeboot.WriteIAM(iamDir, accs, os.Getenv(rootAccessEnv))
			if err != nil {
				return err
			}
			log.Info("accounts written", "file", iamDir+"/"+storeboot.IAMFile, "accounts", len(accs), "changed", changed)
			return nil
		},
	}
	c.Flags().StringVar(&iamDir, "iam-dir", "", "the S3 server's --iam-dir")
	c.Flags().StringArrayVar(&accounts, "account", nil, "name=directory of a mounted credentials Secret; repeatable")
	_ = c.MarkFlagRequired("iam-dir")
	return c
}

type bootstrapOptions struct {
	endpoint, serverName, caFile, bucket, healthAddr string
	grants                                           []string
	interval                                         time.Duration
}

func newStoreBootstrapCommand() *cobra.Command {
	var o bootstrapOptions
	c := &cobra.Command{
		Use:   "store-bootstrap",
		Short: "Make the store's bucket and keep its policy (the store pod's sidecar)",
		Long: "store-bootstrap waits for the S3 server at --endpoint (TLS verified against --ca-file for\n" +
			"--server-name), makes --bucket with the root account ($ROOT_ACCESS_KEY, $ROOT_SECRET_KEY) if\n" +
			"it is missing, and sets the bucket policy that gives each --grant name=dir:level (read, write\n" +
			"or manage) its access and nothing else. It then answers 200 on --health-addr /readyz, and\n" +
			"checks again every --interval; while the bucket or its policy is not right, /readyz answers\n" +
			"503 with the reason. It never deletes a bucket or an object.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return runBootstrap(ctx, slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil)), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.endpoint, "endpoint", fmt.Sprintf("127.0.0.1:%d", platform.ObjectStorePort), "the S3 server, host:port, over TLS")
	f.StringVar(&o.serverName, "server-name", "", "the name the server's certificate must carry")
	f.StringVar(&o.caFile, "ca-file", "", "PEM of the CA the server's certificate is checked against")
	f.StringVar(&o.bucket, "bucket", "", "the bucket to make (the store's description names it: internal/store)")
	f.StringArrayVar(&o.grants, "grant", nil, "name=directory:level, level read, write or manage; repeatable")
	f.StringVar(&o.healthAddr, "health-addr", ":9091", "where /readyz and /healthz answer")
	f.DurationVar(&o.interval, "interval", time.Minute, "how often the bucket and its policy are checked once right")
	for _, n := range []string{"server-name", "ca-file", "bucket"} {
		_ = c.MarkFlagRequired(n)
	}
	return c
}

func parseGrant(v string) (storeboot.Grant, error) {
	i := strings.LastIndex(v, ":")
	if i < 0 {
		return storeboot.Grant{}, fmt.Errorf("--grant %q: want name=directory:level", v)
	}
	acc, err := parseAccount(v[:i])
	if err != nil {
		return storeboot.Grant{}, err
	}
	levels := map[string]storeboot.Access{"read": storeboot.Read, "write": storeboot.Write, "manage": storeboot.Manage}
	a, ok := levels[v[i+1:]]
	if !ok {
		return storeboot.Grant{}, fmt.Errorf("--grant %q: level %q is not read, write or manage", v, v[i+1:])
	}
	return storeboot.Grant{Account: acc, Access: a}, nil
}

func runBootstrap(ctx context.Context, log *slog.Logger, o bootstrapOptions) error {
	var grants []storeboot.Grant
	for _, v := range o.grants {
		g, err := parseGrant(v)
		if err != nil {
			return err
		}
		grants = append(grants, g)
	}
	want, err := storeboot.Policy(o.bucket, grants)
	if err != nil {
		return err
	}
	access, secret := os.Getenv(rootAccessEnv), os.Getenv(rootSecretEnv)
	if access == "" || secret == "" {
		return fmt.Errorf("$%s and $%s must hold the store's root keys", rootAccessEnv, rootSecretEnv)
	}
	roots, err := s3client.Roots(o.caFile)
	if err != nil {
		return err
	}
	cl, err := s3client.New(o.endpoint, access, secret, roots, o.serverName)
	if err != nil {
		return err
	}

	log.Info("bootstrapping the store", "endpoint", o.endpoint, "bucket", o.bucket, "grants", len(grants))
	sc := &storeboot.Sidecar{Client: cl, Bucket: o.bucket, Policy: want, HealthAddr: o.healthAddr, Interval: o.interval, Log: log}
	return sc.Run(ctx)
}
