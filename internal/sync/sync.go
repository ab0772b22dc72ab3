package sync

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	gosync "sync"
	"sync/atomic"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/scidata-io/scidata-operator/internal/netwait"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// Result is what a successful run produced.
type Result struct {
	// Destination is <department>/<entry>/<content version>/.
	Destination string
	// Manifest holds the manifest's exact bytes, as read back.
	Manifest []byte
	// ManifestDigest is receipt.Digest(Manifest).
	ManifestDigest string
	Objects        int64
	Bytes          int64
	// Copied counts objects this run wrote; the rest were already verified.
	Copied int64
}

// Summary returns the termination message for r.
func (r Result) Summary() Summary {
	return Summary{Destination: r.Destination, ManifestDigest: r.ManifestDigest,
		Objects: r.Objects, Bytes: r.Bytes, Copied: r.Copied}
}

type worker struct {
	cfg      *Config
	src, dst *minio.Client
	// srcCore and dstCore are the same clients' single-request API: one
	// GET, one PUT, one part, with the headers the worker chooses.
	srcCore, dstCore minio.Core
	log              *slog.Logger
	// sealed: the version's manifest exists, so nothing may be written.
	sealed bool
	// mem bounds the object bytes held at once (memoryBudget).
	mem *semaphore.Weighted
	// parts holds part buffers for reuse. Unlike a sync.Pool it never gives
	// them to the garbage collector during a run, so a large object does
	// not leave a trail of 16 MiB garbage behind it; mem bounds how many
	// are in use, hence how many are ever made.
	parts chan []byte
	// Whether the Center's store refuses a mismatched checksum, asked once
	// per run for single PUTs and for parts.
	singleProbe, partProbe probe
	// transports are the two stores' connection pools.
	transports []*http.Transport
}

// Run copies one dataset version into the Center's store and verifies it.
// See the package documentation for the protocol; errors carry exit codes.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Result, error) {
	if cfg.VerifyOnly {
		return verifyBackup(ctx, &cfg, log)
	}
	if cfg.Restore {
		return restoreBackup(ctx, &cfg, log)
	}
	w, err := newWorker(&cfg, log)
	if err != nil {
		return Result{}, err
	}
	defer w.closeIdle()
	w.waitReachable(ctx)
	existing, err := w.readManifest(ctx)
	if err != nil {
		return Result{}, err
	}
	w.sealed = existing != nil
	objs, err := listSource(ctx, w.src, cfg.Source.Bucket, cfg.srcPrefix())
	if err != nil {
		return Result{}, err
	}
	if len(objs) == 0 && cfg.BackupID == "" {
		return Result{}, fail(ExitNothingToSubmit, "nothing to submit: no objects under %s/%s", cfg.Source.Bucket, cfg.srcPrefix())
	}
	m, copied, err := w.copyAll(ctx, objs)
	if err != nil {
		return Result{}, err
	}
	b, err := encodeManifest(m)
	if err != nil {
		return Result{}, err
	}
	if w.sealed {
		if !bytes.Equal(b, existing) {
			return Result{}, fail(ExitVersionConflict, "%s already holds a different manifest: a version is never rewritten; bump the entry's content version", cfg.destPrefix())
		}
		w.log.Info("version already complete and verified", "destination", cfg.destPrefix())
	} else if err := w.writeManifest(ctx, b); err != nil {
		return Result{}, err
	}
	n, size := m.totals()
	return Result{Destination: cfg.destPrefix(), Manifest: b, ManifestDigest: receipt.Digest(b),
		Objects: n, Bytes: size, Copied: copied}, nil
}

func newWorker(cfg *Config, log *slog.Logger) (*worker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Restore {
		// A restore brings a backup back into the cluster its platform
		// runs in; the backup's own clearance was checked when it was made.
	} else if cfg.BackupID != "" {
		if err := checkBackupClearance(cfg.Classification, cfg.CenterMax); err != nil {
			return nil, err
		}
	} else if err := checkClassification(cfg.Classification, cfg.CenterMax); err != nil {
		return nil, err
	}
	src, srcT, err := newClient(cfg.Source, cfg)
	if err != nil {
		return nil, err
	}
	dst, dstT, err := newClient(cfg.Dest, cfg)
	if err != nil {
		return nil, err
	}
	return &worker{cfg: cfg, src: src, dst: dst, srcCore: minio.Core{Client: src}, dstCore: minio.Core{Client: dst},
		log: log, mem: semaphore.NewWeighted(memoryBudget), parts: make(chan []byte, memoryBudget/partSize),
		transports: []*http.Transport{srcT, dstT}}, nil
}

// copyAll makes every source object a verified object at the destination,
// a few at a time, and returns the manifest and how many it copied.
func (w *worker) copyAll(ctx context.Context, objs []sourceObject) (Manifest, int64, error) {
	have, err := listDest(ctx, w.dst, w.cfg.Dest.Bucket, w.cfg.destPrefix())
	if err != nil {
		return Manifest{}, 0, err
	}
	entries := make([]ManifestEntry, len(objs))
	var copied atomic.Int64
	var mu gosync.Mutex // serialises OnObject
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.parallel())
	for i, o := range objs {
		g.Go(func() error {
			key := w.cfg.destPrefix() + o.Rel
			_, exists := have[key]
			sum, didCopy, err := w.ensure(gctx, key, o, exists)
			if err != nil {
				return err
			}
			entries[i] = ManifestEntry{Path: o.Rel, Size: o.Size, SHA256: sum}
			if didCopy {
				copied.Add(1)
			}
			if w.cfg.OnObject != nil {
				mu.Lock()
				w.cfg.OnObject(o.Key, didCopy)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Manifest{}, 0, err
	}
	m := Manifest{Department: w.cfg.Department, Entry: w.cfg.Entry, ContentVersion: w.cfg.ContentVersion, Objects: entries}
	if w.cfg.BackupID != "" {
		m = Manifest{Platform: w.cfg.Platform, Backup: w.cfg.BackupID, Objects: entries}
	}
	return m, copied.Load(), nil
}

// buffer returns a buffer of n bytes: a reusable part buffer above
// smallObject, else a new one.
func (w *worker) buffer(n int64) []byte {
	if n <= smallObject {
		return make([]byte, n)
	}
	select {
	case b := <-w.parts:
		return b[:n]
	default:
		return make([]byte, n, partSize)
	}
}

// putBuffer gives a part buffer back for reuse.
func (w *worker) putBuffer(b []byte) {
	if cap(b) != partSize {
		return
	}
	select {
	case w.parts <- b[:0]:
	default:
	}
}

// ensure leaves a verified copy of o at key: it keeps one already there and
// copies otherwise. In a sealed version it only verifies.
func (w *worker) ensure(ctx context.Context, key string, o sourceObject, exists bool) (string, bool, error) {
	st := stateUnrecorded
	var sum string
	if exists {
		var err error
		if st, sum, err = w.inspect(ctx, key, o); err != nil {
			return "", false, err
		}
	}
	switch {
	case st == stateVerified:
		return sum, false, nil
	case w.sealed && (st == stateSourceChanged || !exists):
		return "", false, fail(ExitVersionConflict, "source %s changed after version %s was completed: bump the entry's content version", o.Key, w.cfg.ContentVersion)
	case w.sealed:
		return "", false, fail(ExitDestinationCorrupt, "%s of the completed version %s is missing or does not match its recorded SHA-256", key, w.cfg.ContentVersion)
	case st == stateCorrupt:
		w.log.Warn("copying again an object whose bytes no longer match", "key", key)
	}
	sum, err := w.copyObject(ctx, key, o)
	return sum, err == nil, err
}

// waitReachable waits, up to the run's ReachTimeout each, for both stores
// to accept connections; one that still does not is left to the first
// request's error.
func (w *worker) waitReachable(ctx context.Context) {
	if w.cfg.ReachTimeout <= 0 {
		return
	}
	for _, s := range []Store{w.cfg.Source, w.cfg.Dest} {
		if err := netwait.Reachable(ctx, hostPort(s.Endpoint), w.cfg.ReachTimeout); err != nil {
			w.log.Warn("store not reachable yet; trying anyway", "endpoint", s.Endpoint, "error", err.Error())
		}
	}
}

// closeIdle closes the connections the run kept open for reuse.
func (w *worker) closeIdle() {
	for _, t := range w.transports {
		t.CloseIdleConnections()
	}
}

// readManifest returns the version's manifest bytes, or nil if there is none.
func (w *worker) readManifest(ctx context.Context) ([]byte, error) {
	return readObject(ctx, w.dst, w.cfg.Dest.Bucket, w.cfg.destPrefix()+ManifestName)
}

// writeManifest stores the manifest last, so its presence means complete,
// and reads it back: the digest reported is that of the bytes the store holds.
func (w *worker) writeManifest(ctx context.Context, b []byte) error {
	key := w.cfg.destPrefix() + ManifestName
	_, err := w.dst.PutObject(ctx, w.cfg.Dest.Bucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		return classifyS3(err, "write manifest "+key)
	}
	back, err := w.readManifest(ctx)
	if err != nil {
		return err
	}
	if !bytes.Equal(back, b) {
		return fail(ExitDestinationCorrupt, "manifest %s read back differs from what was written", key)
	}
	return nil
}
