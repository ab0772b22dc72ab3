package sync

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Store is one S3 endpoint, bucket and account.
type Store struct {
	// Endpoint is host:port or an https:// URL. Plain HTTP is refused: the
	// plan asks for secure transmission.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// Region is sent in signatures; empty means us-east-1.
	Region string
	// RootCAs verifies this store's certificate; nil means Config.RootCAs.
	RootCAs *x509.CertPool
	// VirtualHosted addresses the bucket in the host name
	// (https://bucket.host/key); otherwise in the path, as every
	// on-premises store serves it.
	VirtualHosted bool
}

// Config is one sync: which dataset, from where, to where.
type Config struct {
	Source Store
	// SourcePrefix is the entry's data prefix in the source bucket.
	SourcePrefix string
	Dest         Store

	Department     string
	Entry          string
	ContentVersion string

	// BackupID, when set, makes the run a platform backup: Platform's
	// whole bucket (or SourcePrefix, if given) goes under
	// <Platform>/<BackupID>/ in the target (Dest), with the same
	// verification and manifest. Department, Entry and ContentVersion are
	// not used; Classification is the platform's maxClassification and
	// CenterMax the target's clearance.
	BackupID string
	Platform string
	// VerifyOnly, with BackupID and Platform, reads that backup back from
	// Dest and checks every object against its manifest; nothing is
	// copied or written, and Source is not used.
	VerifyOnly bool
	// Restore, with BackupID and Platform, copies that backup from Source
	// (the target holding it) into Dest's bucket, each object at the key it
	// had in the platform's store, and reads every one back against the
	// manifest (a restore drill, or a restore after a loss).
	Restore bool

	// Classification of the data and the Center's clearance.
	Classification scidatav1.ClassificationLevel
	CenterMax      scidatav1.ClassificationLevel

	// RootCAs verifies the certificate of a store that has no RootCAs of
	// its own; nil means the system pool.
	RootCAs *x509.CertPool
	// Parallel is how many objects are copied at once; 0 tunes it to the
	// cores present (objectsPerCore per core of GOMAXPROCS). Whatever it is,
	// the object bytes held at once stay under memoryBudget.
	Parallel int
	// Transport, if set, wraps the TLS transport the worker builds (for
	// instrumentation such as counting requests); it must call base.
	Transport func(base http.RoundTripper) http.RoundTripper
	// OnObject, if set, is called after each object is verified at the
	// destination, with whether it had to be copied.
	OnObject func(key string, copied bool)
	// ReachTimeout bounds the wait, before the first request, for each
	// store to accept connections (a new pod's traffic can be refused until
	// the NetworkPolicy enforcer has seen it); 0 means no wait. A store
	// still unreachable then is reported by the first request's error.
	ReachTimeout time.Duration

	// alwaysReadBack skips the checksum probes and reads every written
	// object back, as for a store that does not verify checksums (tests).
	alwaysReadBack bool
}

// nameRE is what a department code, entry name or content version may look
// like: one path segment, no dots-only or slashes, as the API also requires.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

func (c *Config) validate() error {
	names := []struct{ name, v string }{
		{"department", c.Department}, {"entry", c.Entry}, {"content version", c.ContentVersion},
	}
	if c.BackupID != "" {
		names = []struct{ name, v string }{{"platform", c.Platform}, {"backup id", c.BackupID}}
	}
	for _, f := range names {
		if !nameRE.MatchString(f.v) {
			return fail(ExitUsage, "%s %q is not a single path segment of letters, digits, '.', '_' or '-'", f.name, f.v)
		}
	}
	for _, s := range []struct {
		name string
		st   Store
	}{{"source", c.Source}, {"destination", c.Dest}} {
		if s.st.Endpoint == "" || s.st.Bucket == "" || s.st.AccessKey == "" || s.st.SecretKey == "" {
			return fail(ExitUsage, "%s store needs an endpoint, a bucket and credentials", s.name)
		}
	}
	if c.BackupID == "" && strings.Trim(c.SourcePrefix, "/") == "" {
		return fail(ExitUsage, "source prefix is empty: a submission copies one entry's prefix, never a whole bucket")
	}
	return nil
}

// Tuning. Small objects are bound by round trips, not bytes: while one
// request waits on a store, the cores serve others, so several objects per
// core are in flight. Large ones are bound by bytes and memory: each holds
// up to two part buffers, and memoryBudget caps what all of them hold.
const (
	objectsPerCore = 8
	// memoryBudget bounds the bytes of object data held at once (buffers of
	// whole small objects and of parts), whatever the objects' sizes and
	// number: four large objects at a time.
	memoryBudget = 8 * partSize
	// smallObject: objects up to this size get a buffer of their own size;
	// larger ones reuse part buffers.
	smallObject = 1 << 20
	// timeoutAbort bounds the abort of a failed multipart upload.
	timeoutAbort = 10 * time.Second
)

func (c *Config) parallel() int {
	if c.Parallel <= 0 {
		return objectsPerCore * runtime.GOMAXPROCS(0)
	}
	return c.Parallel
}

// destPrefix is <department>/<entry>/<content version>/, or for a backup
// <platform>/<backup id>/.
func (c *Config) destPrefix() string {
	if c.BackupID != "" {
		return BackupPrefix(c.Platform, c.BackupID)
	}
	return c.Department + "/" + c.Entry + "/" + c.ContentVersion + "/"
}

// Destination is the prefix the run writes under.
func (c *Config) Destination() string { return c.destPrefix() }

// BackupPrefix is where backup id of platform lies in its target.
func BackupPrefix(platform, id string) string { return platform + "/" + id + "/" }

// srcPrefix is the source prefix with exactly one trailing slash, so that
// "rain" never matches "rainfall/..."; a backup of the whole bucket lists
// from the top.
func (c *Config) srcPrefix() string {
	p := strings.TrimRight(c.SourcePrefix, "/")
	if p == "" && c.BackupID != "" {
		return ""
	}
	return p + "/"
}

// LoadCAFile reads a PEM bundle into a pool.
func LoadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fail(ExitUsage, "read CA bundle: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fail(ExitUsage, "CA bundle %s holds no PEM certificate", path)
	}
	return pool, nil
}

// newClient builds a verifying TLS client for one store, with a connection
// pool big enough that every object in flight reuses a kept-alive
// connection instead of a new TLS handshake.
func newClient(s Store, c *Config) (*minio.Client, *http.Transport, error) {
	host := s.Endpoint
	if strings.Contains(host, "://") {
		u, err := url.Parse(host)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, nil, fail(ExitUsage, "endpoint %q: want host:port or https://host:port", s.Endpoint)
		}
		host = u.Host
	}
	t, err := minio.DefaultTransport(true)
	if err != nil {
		return nil, nil, fmt.Errorf("transport: %w", err)
	}
	roots := s.RootCAs
	if roots == nil {
		roots = c.RootCAs
	}
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	t.MaxIdleConnsPerHost = c.parallel() + 4 // the objects in flight, the listing, the manifest
	t.MaxIdleConns = 2 * t.MaxIdleConnsPerHost
	var rt http.RoundTripper = t
	if c.Transport != nil {
		rt = c.Transport(t)
	}
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	lookup := minio.BucketLookupPath
	if s.VirtualHosted {
		lookup = minio.BucketLookupDNS
	}
	cl, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:       true,
		Transport:    rt,
		Region:       region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, nil, fail(ExitUsage, "S3 client for %s: %v", s.Endpoint, err)
	}
	return cl, t, nil
}

// hostPort is an endpoint's host:port (the scheme's port when none is given).
func hostPort(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		if u.Port() == "" {
			return net.JoinHostPort(u.Hostname(), "443")
		}
		return u.Host
	}
	return endpoint
}
