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
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"

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
	var iamDir, grantsFile string
	var accounts []string
	c := &cobra.Command{
		Use:   "store-init",
		Short: "Write the managed object store's accounts into its IAM file (the store pod's init container)",
		Long: "store-init writes users.json into --iam-dir for the S3 server to read when it starts: one\n" +
			"ordinary account (role user) per --account name=dir, whose keys are the files accessKeyID and\n" +
			"secretAccessKey in dir (a mounted credentials Secret), and one per access grant of --grants-file\n" +
			"still in force (the grants Secret), so a restarted store keeps them. The accounts named are the\n" +
			"whole list; the root account comes from $ROOT_ACCESS_KEY and may not be reused. Keys are never printed.",
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
			grants, err := readGrants(grantsFile)
			if err != nil {
				return err
			}
			live := storeboot.Live(grants, time.Now())
			changed, err := storeboot.WriteIAM(iamDir, append(accs, storeboot.GrantAccounts(live)...), os.Getenv(rootAccessEnv))
			if err != nil {
				return err
			}
			log.Info("accounts written", "file", iamDir+"/"+storeboot.IAMFile, "accounts", len(accs), "grants", len(live), "changed", changed)
			return nil
		},
	}
	c.Flags().StringVar(&iamDir, "iam-dir", "", "the S3 server's --iam-dir")
	c.Flags().StringVar(&grantsFile, "grants-file", "", "the mounted grants Secret's "+storeboot.GrantsFile+" (absent: no grant)")
	c.Flags().StringArrayVar(&accounts, "account", nil, "name=directory of a mounted credentials Secret; repeatable")
	_ = c.MarkFlagRequired("iam-dir")
	return c
}

type bootstrapOptions struct {
	endpoint, serverName, caFile, bucket, healthAddr string
	grantsFile, grantsSecret, adminSocket            string
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
			"or manage) its access and nothing else. It watches the access grants of --grants-secret through\n" +
			"the API (reading --grants-file, the mounted copy, until the API answers; every second when no\n" +
			"Secret is named), makes and deletes their accounts\n" +
			"through the server's admin API on --admin-socket, and adds each grant's read-only statements\n" +
			"to the policy until its expiry, when it removes both. It answers 200 on --health-addr /readyz,\n" +
			"and checks again every --interval; while the bucket or its policy is not right, /readyz answers\n" +
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
	f.StringVar(&o.grantsFile, "grants-file", "", "the mounted grants Secret's "+storeboot.GrantsFile+" (unset: no grants)")
	f.StringVar(&o.grantsSecret, "grants-secret", "", "namespace/name of the grants Secret, watched through the API with the pod's ServiceAccount")
	f.StringVar(&o.adminSocket, "admin-socket", "", "the UNIX socket of the server's admin API (--admin-port), to make the grants' accounts")
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
	if _, err := storeboot.Policy(o.bucket, grants); err != nil {
		return err
	}
	if (o.grantsFile != "" || o.grantsSecret != "") && o.adminSocket == "" {
		return errors.New("--grants-file and --grants-secret need --admin-socket: the grants' accounts are made through the admin API")
	}
	source, err := grantSource(ctx, log, o)
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

	log.Info("bootstrapping the store", "endpoint", o.endpoint, "bucket", o.bucket, "accounts", len(grants), "grantsFile", o.grantsFile, "grantsSecret", o.grantsSecret)
	sc := &storeboot.Sidecar{Client: cl, Bucket: o.bucket, Grants: grants, Source: source,
		HealthAddr: o.healthAddr, Interval: o.interval, Log: log}
	if o.adminSocket != "" {
		sc.Admin = storeboot.NewSocketAdmin(o.adminSocket, access, secret)
	}
	return sc.Run(ctx)
}

// grantSource is where the sidecar reads the grants: the Secret through
// the API (the mounted file until the API answers), the file alone, or
// nothing.
func grantSource(ctx context.Context, log *slog.Logger, o bootstrapOptions) (storeboot.GrantSource, error) {
	var file storeboot.GrantSource
	if o.grantsFile != "" {
		file = storeboot.FileSource(o.grantsFile)
	}
	if o.grantsSecret == "" {
		return file, nil
	}
	ns, name, ok := strings.Cut(o.grantsSecret, "/")
	if !ok || ns == "" || name == "" {
		return nil, fmt.Errorf("--grants-secret %q: want namespace/name", o.grantsSecret)
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("--grants-secret needs the API: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return storeboot.WatchSecret(ctx, cs, ns, name, file, log), nil
}

// readGrants reads a grants file; a missing file (or none named) holds no
// grant.
func readGrants(path string) ([]storeboot.FileGrant, error) {
	data, err := storeboot.FileSource(path).Read()
	if err != nil {
		return nil, err
	}
	return storeboot.ParseGrants(data)
}
