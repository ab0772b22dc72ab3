package sync

import (
	"context"
	"encoding/json"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/scidata-io/scidata-operator/internal/netwait"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// verifyBackup reads backup cfg.BackupID of cfg.Platform back from the
// target (cfg.Dest) and checks every object the manifest lists against
// its size and SHA-256, hashing every byte. It writes nothing. An object
// missing or changed is ExitDestinationCorrupt, naming it.
func verifyBackup(ctx context.Context, cfg *Config, log *slog.Logger) (Result, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !nameRE.MatchString(cfg.Platform) || !nameRE.MatchString(cfg.BackupID) {
		return Result{}, fail(ExitUsage, "verifying a backup needs --platform and --backup-id, each a single path segment")
	}
	if cfg.Dest.Endpoint == "" || cfg.Dest.Bucket == "" || cfg.Dest.AccessKey == "" || cfg.Dest.SecretKey == "" {
		return Result{}, fail(ExitUsage, "the backup's store needs an endpoint, a bucket and credentials")
	}
	dst, t, err := newClient(cfg.Dest, cfg)
	if err != nil {
		return Result{}, err
	}
	defer t.CloseIdleConnections()
	if cfg.ReachTimeout > 0 {
		if err := netwait.Reachable(ctx, hostPort(cfg.Dest.Endpoint), cfg.ReachTimeout); err != nil {
			log.Warn("store not reachable yet; trying anyway", "endpoint", cfg.Dest.Endpoint, "error", err.Error())
		}
	}
	w := &worker{cfg: cfg, dst: dst, log: log}
	b, err := w.readManifest(ctx)
	if err != nil {
		return Result{}, err
	}
	prefix := cfg.destPrefix()
	if b == nil {
		return Result{}, fail(ExitDestinationCorrupt, "backup %s has no %s: it never completed, or it was removed", prefix, ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Platform != cfg.Platform || m.Backup != cfg.BackupID {
		return Result{}, fail(ExitDestinationCorrupt, "%s%s is not the manifest of backup %s of %s", prefix, ManifestName, cfg.BackupID, cfg.Platform)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.parallel())
	for _, o := range m.Objects {
		g.Go(func() error {
			key := prefix + o.Path
			sum, n, err := hashObject(gctx, dst, cfg.Dest.Bucket, key)
			if err != nil {
				return classifyS3(err, "read back "+key)
			}
			if n != o.Size || sum != o.SHA256 {
				return fail(ExitDestinationCorrupt, "%s does not match the backup's manifest: %d bytes with SHA-256 %s, the manifest records %d bytes with SHA-256 %s",
					key, n, sum, o.Size, o.SHA256)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	n, size := m.totals()
	log.Info("backup verified", "backup", prefix, "objects", n, "bytes", size)
	return Result{Destination: prefix, Manifest: b, ManifestDigest: receipt.Digest(b), Objects: n, Bytes: size}, nil
}
