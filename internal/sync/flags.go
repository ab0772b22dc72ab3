package sync

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// EnvPrefix: every flag of the worker can also come from the environment,
// as SCIDATA_SYNC_<FLAG> with dashes as underscores
// (SCIDATA_SYNC_SOURCE_BUCKET). A flag on the command line wins.
const EnvPrefix = "SCIDATA_SYNC_"

// Flags are the worker's command line, as a sync Job's container passes
// it (internal/submission builds it). They live here, not in cmd, so that
// a test can run the worker with a Job's own arguments.
type Flags struct {
	src, dst         Store
	srcKeys, dstKeys credFiles
	srcCA, dstCA     string
	srcAddr, dstAddr string
	prefix           string
	department       string
	entry            string
	version          string
	backupID         string
	verifyOnly       bool
	restore          bool
	platform         string
	class            string
	centerClass      string
	caFile           string
	parallel         int
	reachTimeout     time.Duration
	// TerminationPath is where the summary the kubelet reports is written
	// ("" for nowhere).
	TerminationPath string
}

// credFiles names the files holding an account's keys, as a Secret mounts them.
type credFiles struct{ access, secret string }

// Bind defines the worker's flags on fs.
func (o *Flags) Bind(f *pflag.FlagSet) {
	storeFlags(f, "source", &o.src, &o.srcKeys, &o.srcCA, &o.srcAddr)
	storeFlags(f, "dest", &o.dst, &o.dstKeys, &o.dstCA, &o.dstAddr)
	f.StringVar(&o.prefix, "source-prefix", "", "the entry's data prefix in the source bucket")
	f.StringVar(&o.department, "department", "", "department code: the first segment of the destination")
	f.StringVar(&o.entry, "entry", "", "CatalogEntry name: the second segment")
	f.StringVar(&o.version, "content-version", "", "the entry's content version: the third segment")
	f.StringVar(&o.backupID, "backup-id", "", "make a backup of --platform's bucket under <platform>/<backup-id>/ in the destination, instead of a submission")
	f.BoolVar(&o.verifyOnly, "verify-backup", false, "with --platform and --backup-id: read that backup back from the destination and check every object against its manifest; copy nothing")
	f.BoolVar(&o.restore, "restore-backup", false, "with --platform and --backup-id: copy that backup from the source (the target holding it) into the destination bucket at the keys the platform's store had, then read every object back against its manifest")
	f.StringVar(&o.platform, "platform", "", "with --backup-id: the DataPlatform backed up, the first segment of the destination")
	f.StringVar(&o.class, "classification", "", "classification level of the data (empty: Public)")
	f.StringVar(&o.centerClass, "center-max-classification", "", "highest level the Center may hold (empty: no limit)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM bundle of the CA that signs the stores' certificates, for a store without its own --source-ca-file or --dest-ca-file (empty: system roots)")
	f.IntVar(&o.parallel, "parallel", 0, "objects copied at once; 0 tunes it to the cores the pod may use")
	f.DurationVar(&o.reachTimeout, "reach-timeout", 30*time.Second, "how long to wait for each store to accept connections before the first request (a new pod's traffic can be refused until the NetworkPolicy enforcer has seen it)")
	f.StringVar(&o.TerminationPath, "termination-message-path", DefaultTerminationLog, "where to write the summary the kubelet reports (empty: nowhere)")
}

func storeFlags(f *pflag.FlagSet, side string, s *Store, keys *credFiles, ca, addressing *string) {
	f.StringVar(&s.Endpoint, side+"-endpoint", "", side+" store: host:port or https://host:port")
	f.StringVar(&s.Bucket, side+"-bucket", "", side+" bucket")
	f.StringVar(&s.Region, side+"-region", "", side+" region (empty: us-east-1)")
	f.StringVar(addressing, side+"-addressing", "path", side+" store's addressing style: path (https://host/bucket/key) or virtual-hosted (https://bucket.host/key)")
	f.StringVar(ca, side+"-ca-file", "", "PEM bundle of the CA that signs the "+side+" store's certificate (empty: --ca-file)")
	f.StringVar(&keys.access, side+"-access-key-file", "", "file holding the "+side+" access key (as a Secret mounts it); else $"+EnvPrefix+strings.ToUpper(side)+"_ACCESS_KEY")
	f.StringVar(&keys.secret, side+"-secret-key-file", "", "file holding the "+side+" secret key; else $"+EnvPrefix+strings.ToUpper(side)+"_SECRET_KEY")
}

// FlagsFromEnv sets every flag not given on the command line from its
// SCIDATA_SYNC_ variable, if set.
func FlagsFromEnv(f *pflag.FlagSet) error {
	var err error
	f.VisitAll(func(fl *pflag.Flag) {
		name := EnvPrefix + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && !fl.Changed && err == nil {
			if e := f.Set(fl.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

// Config is the sync the flags describe, with the keys and CA bundles read
// from their files. A file that cannot be read is a usage error.
func (o *Flags) Config() (Config, error) {
	cfg := Config{Source: o.src, Dest: o.dst, SourcePrefix: o.prefix,
		Department: o.department, Entry: o.entry, ContentVersion: o.version, BackupID: o.backupID, Platform: o.platform, VerifyOnly: o.verifyOnly, Restore: o.restore,
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
		if cfg.RootCAs, err = LoadCAFile(o.caFile); err != nil {
			return cfg, err
		}
	}
	for _, side := range []struct {
		st               *Store
		name, ca, lookup string
	}{{&cfg.Source, "source", o.srcCA, o.srcAddr}, {&cfg.Dest, "dest", o.dstCA, o.dstAddr}} {
		if side.ca != "" {
			if side.st.RootCAs, err = LoadCAFile(side.ca); err != nil {
				return cfg, err
			}
		}
		switch side.lookup {
		case "", "path":
		case "virtual-hosted":
			side.st.VirtualHosted = true
		default:
			return cfg, fail(ExitUsage, "--%s-addressing %q: want path or virtual-hosted", side.name, side.lookup)
		}
	}
	return cfg, nil
}

// readKeys reads an account's keys from files, else from the environment.
func readKeys(side string, f credFiles) (string, string, error) {
	access, err := secretValue(f.access, EnvPrefix+side+"_ACCESS_KEY")
	if err != nil {
		return "", "", err
	}
	secret, err := secretValue(f.secret, EnvPrefix+side+"_SECRET_KEY")
	return access, secret, err
}

func secretValue(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &Error{Code: ExitUsage, Err: fmt.Errorf("read credentials: %w", err)}
	}
	return strings.TrimSpace(string(b)), nil
}
