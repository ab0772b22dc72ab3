package cmd

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// syncEnvPrefix: every sync flag can also come from the environment, as
// SCIDATA_SYNC_<FLAG> with dashes as underscores (SCIDATA_SYNC_SOURCE_BUCKET).
// A flag on the command line wins.
const syncEnvPrefix = "SCIDATA_SYNC_"

type syncOptions struct {
	src, dst           syncer.Store
	srcKeys, dstKeys   credFiles
	prefix             string
	department, entry  string
	version            string
	class, centerClass string
	caFile             string
	parallel           int
	reachTimeout       time.Duration
	terminationPath    string
}

// credFiles names the files holding an account's keys, as a Secret mounts them.
type credFiles struct{ access, secret string }

func newSyncCommand() *cobra.Command {
	var o syncOptions
	c := &cobra.Command{
		Use:   "sync",
		Short: "Copy one dataset version into the Center's object store and verify it",
		Long: "sync copies every object under --source-prefix of the department's bucket (read with the\n" +
			"Center's read-only account) to <department>/<entry>/<content version>/ in the Center's bucket,\n" +
			"verifies each by SHA-256, writes manifest.json last, and reports the manifest digest, object\n" +
			"count and bytes as JSON on stdout and in the termination message. A second run resumes, or,\n" +
			"when the version is complete, only verifies. Both stores are reached over verified TLS.\n" +
			"Every flag may also be set as SCIDATA_SYNC_<FLAG> (dashes as underscores).\n\n" +
			"Exit status: 0 done; 1 transient (retry); 2 usage; 10 access denied; 11 bucket missing;\n" +
			"12 source changed during copy; 13 version exists with other content; 14 classification\n" +
			"refused; 15 nothing to submit; 16 destination corrupt; 17 source invalid; 18 certificate untrusted; 19 Center store full; 20 store unreachable (retry).",
		Args: cobra.NoArgs,
		PreRunE: func(c *cobra.Command, _ []string) error {
			return flagsFromEnv(c.Flags())
		},
		RunE: func(c *cobra.Command, _ []string) error { return runSync(c, o) },
	}
	f := c.Flags()
	storeFlags(f, "source", &o.src, &o.srcKeys)
	storeFlags(f, "dest", &o.dst, &o.dstKeys)
	f.StringVar(&o.prefix, "source-prefix", "", "the entry's data prefix in the source bucket")
	f.StringVar(&o.department, "department", "", "department code: the first segment of the destination")
	f.StringVar(&o.entry, "entry", "", "CatalogEntry name: the second segment")
	f.StringVar(&o.version, "content-version", "", "the entry's content version: the third segment")
	f.StringVar(&o.class, "classification", "", "classification level of the data (empty: Public)")
	f.StringVar(&o.centerClass, "center-max-classification", "", "highest level the Center may hold (empty: no limit)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM bundle of the CA that signs the stores' certificates (empty: system roots)")
	f.IntVar(&o.parallel, "parallel", 0, "objects copied at once; 0 tunes it to the cores the pod may use")
	f.DurationVar(&o.reachTimeout, "reach-timeout", 30*time.Second, "how long to wait for each store to accept connections before the first request (a new pod's traffic can be refused until the NetworkPolicy enforcer has seen it)")
	f.StringVar(&o.terminationPath, "termination-message-path", syncer.DefaultTerminationLog, "where to write the summary the kubelet reports (empty: nowhere)")
	return c
}

func storeFlags(f *pflag.FlagSet, side string, s *syncer.Store, keys *credFiles) {
	f.StringVar(&s.Endpoint, side+"-endpoint", "", side+" store: host:port or https://host:port")
	f.StringVar(&s.Bucket, side+"-bucket", "", side+" bucket")
	f.StringVar(&s.Region, side+"-region", "", side+" region (empty: us-east-1)")
	f.StringVar(&keys.access, side+"-access-key-file", "", "file holding the "+side+" access key (as a Secret mounts it); else $SCIDATA_SYNC_"+strings.ToUpper(side)+"_ACCESS_KEY")
	f.StringVar(&keys.secret, side+"-secret-key-file", "", "file holding the "+side+" secret key; else $SCIDATA_SYNC_"+strings.ToUpper(side)+"_SECRET_KEY")
}

// flagsFromEnv sets every flag not given on the command line from its
// SCIDATA_SYNC_ variable, if set.
func flagsFromEnv(f *pflag.FlagSet) error {
	var err error
	f.VisitAll(func(fl *pflag.Flag) {
		name := syncEnvPrefix + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && !fl.Changed && err == nil {
			if e := f.Set(fl.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

func runSync(c *cobra.Command, o syncOptions) error {
	log := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
	cfg, err := o.config()
	var res syncer.Result
	if err == nil {
		ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		res, err = syncer.Run(ctx, cfg, log)
	}
	sum := res.Summary()
	if err != nil {
		sum = syncer.Summary{Destination: cfg.Department + "/" + cfg.Entry + "/" + cfg.ContentVersion + "/",
			ExitCode: syncer.ExitCode(err), Error: err.Error()}
		log.Error("sync failed", "exitCode", sum.ExitCode, "error", err)
	}
	if o.terminationPath != "" {
		if werr := syncer.WriteTermination(o.terminationPath, sum); werr != nil {
			log.Error("termination message", "error", werr)
		}
	}
	if err != nil {
		return err
	}
	out, _ := json.Marshal(sum)
	_, _ = fmt.Fprintln(c.OutOrStdout(), string(out))
	return nil
}

func (o syncOptions) config() (syncer.Config, error) {
	cfg := syncer.Config{Source: o.src, Dest: o.dst, SourcePrefix: o.prefix,
		Department: o.department, Entry: o.entry, ContentVersion: o.version,
		Classification: scidatav1.ClassificationLevel(o.class), CenterMax: scidatav1.ClassificationLevel(o.centerClass),
		Parallel: o.parallel, ReachTimeout: o.reachTimeout}
	var err error
	if cfg.Source.AccessKey, cfg.Source.SecretKey, err = readKeys("SOURCE", o.srcKeys); err != nil {
		return cfg, err
	}
	if cfg.Dest.AccessKey, cfg.Dest.SecretKey, err = readKeys("DEST", o.dstKeys); err != nil {
		return cfg, err
	}
	if o.caFile != "" {
		if cfg.RootCAs, err = syncer.LoadCAFile(o.caFile); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// readKeys reads an account's keys from files, else from the environment.
func readKeys(side string, f credFiles) (string, string, error) {
	access, err := secretValue(f.access, syncEnvPrefix+side+"_ACCESS_KEY")
	if err != nil {
		return "", "", err
	}
	secret, err := secretValue(f.secret, syncEnvPrefix+side+"_SECRET_KEY")
	return access, secret, err
}

func secretValue(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &syncer.Error{Code: syncer.ExitUsage, Err: fmt.Errorf("read credentials: %w", err)}
	}
	return strings.TrimSpace(string(b)), nil
}

// ExitCode is the process status for an error a command returned: a sync
// error's own code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	return syncer.ExitCode(err)
}
