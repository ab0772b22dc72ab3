package s3test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Root credentials of every test server.
const (
	RootAccess = "scidata-root"
	RootSecret = "scidata-root-secret-0123456789"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is 127.0.0.1:<port>, served over TLS.
	Endpoint string
	// CAFile holds the PEM of the CA that signed the server's certificate.
	CAFile  string
	RootCAs *x509.CertPool
	// Dir is the posix backend's root: bucket b's object k is Dir/b/k.
	Dir string

	admin string
	cmd   *exec.Cmd
	done  chan error
	log   string
}

// Binary is the versitygw the tests run: $VERSITYGW (set by `make test`),
// else bin/versitygw at the repository's top.
func Binary() string {
	if b := os.Getenv("VERSITYGW"); b != "" {
		return b
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "bin", "versitygw")
}

// Start runs a fresh versitygw for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// Options change how a test server starts.
type Options struct {
	// Prepare runs before the server starts, with its IAM directory (what
	// --iam-dir names): a test writes users.json there the way the store's
	// init container does.
	Prepare func(iamDir string) error
	// DataDir, if set, is the posix backend's root instead of a fresh
	// temporary directory: a test mounts a small tmpfs there to fill it.
	DataDir string
}

// StartWith runs a fresh versitygw prepared as o says.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the S3 server %s is missing: run `make versitygw` (make test builds it first) to build it from hack/tools/versitygw", bin)
	}
	var lastErr error
	for range 3 { // a free port can be taken between finding and binding it
		s, err := start(t, bin, o)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("start versitygw: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, o Options) (*Server, error) {
	dir := t.TempDir()
	c, err := newCerts(dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: ports[0], admin: ports[1], CAFile: c.caFile, RootCAs: c.pool,
		Dir: cmpOr(o.DataDir, filepath.Join(dir, "data")), log: filepath.Join(dir, "versitygw.log"), done: make(chan error, 1)}
	for _, d := range []string{s.Dir, filepath.Join(dir, "iam")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if o.Prepare != nil {
		if err := o.Prepare(filepath.Join(dir, "iam")); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	// versitygw changes its working directory: every path must be absolute.
	s.cmd = exec.Command(bin, "--port", s.Endpoint, "--cert", c.certFile, "--key", c.keyFile,
		"--admin-port", s.admin, "--admin-cert", c.certFile, "--admin-cert-key", c.keyFile,
		"--iam-dir", filepath.Join(dir, "iam"), "--quiet", "posix", s.Dir)
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+RootAccess, "ROOT_SECRET_KEY="+RootSecret)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its log:\n%s", err, s.Log())
	}
	t.Cleanup(s.stop)
	return s, nil
}

// waitReady polls until the server answers an authenticated request, the
// process exits, or the timeout passes.
func (s *Server) waitReady(timeout time.Duration) error {
	cl := s.Client(RootAccess, RootSecret)
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cl.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw on %s did not answer within %s: %w", s.Endpoint, timeout, err)
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			if werr == nil {
				werr = errors.New("exit status 0")
			}
			return fmt.Errorf("versitygw exited before answering: %w", werr)
		case <-tick.C:
		}
	}
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(3 * time.Second):
		// versitygw's graceful shutdown waits for clients' open keep-alive
		// connections; the test's data directory is thrown away anyway.
		_ = s.cmd.Process.Kill()
		s.done <- <-s.done
	}
}

// Log returns what the server printed.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// Client is a verifying TLS client for the server with the given account.
func (s *Server) Client(access, secret string) *minio.Client {
	t, _ := minio.DefaultTransport(true)
	t.TLSClientConfig = &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	cl, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""),
		Secure: true, Transport: t, Region: "us-east-1"})
	if err != nil {
		panic(err) // only a malformed endpoint fails here, and ours is not
	}
	return cl
}

// Root is a client with the root account.
func (s *Server) Root() *minio.Client { return s.Client(RootAccess, RootSecret) }

// MakeBucket creates a bucket as root.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.Root().MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
}

// ObjectPath is the file holding an object in the posix backend.
func (s *Server) ObjectPath(bucket, key string) string {
	return filepath.Join(s.Dir, bucket, filepath.FromSlash(key))
}

// CreateReadOnlyUser makes an account with versitygw's admin CLI (role
// user, which can read nothing by itself) and a bucket policy that lets it
// get and list the bucket's objects: the Center's read-only account on a
// department's store.
func (s *Server) CreateReadOnlyUser(t testing.TB, access, secret, bucket string) {
	t.Helper()
	cmd := exec.Command(Binary(), "admin", "--access", RootAccess, "--secret", RootSecret,
		"--endpoint-url", "https://"+s.admin, "create-user", "--access", access, "--secret", secret, "--role", "user")
	// The admin CLI has no CA flag; Go's TLS honours SSL_CERT_FILE, so it
	// verifies the server against the test's CA (never --allow-insecure).
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+s.CAFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("versitygw admin create-user: %v\n%s", err, out)
	}
	if err := s.Root().SetBucketPolicy(context.Background(), bucket, ReadOnlyPolicy(bucket, access)); err != nil {
		t.Fatalf("set bucket policy on %s: %v", bucket, err)
	}
}

// ReadOnlyPolicy is the bucket policy granting principal s3:GetObject and
// s3:ListBucket on bucket, and nothing else.
func ReadOnlyPolicy(bucket, principal string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::%s"]},`+
		`{"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`,
		principal, bucket, principal, bucket)
}

// Put stores an object as root.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	_, err := s.Root().PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

// freePorts finds n loopback addresses nothing listens on.
func freePorts(n int) ([]string, error) {
	var out []string
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}

// CountingTransport wraps a transport and counts object writes (PUTs that
// carry data: not server-side copies), so tests can prove what a run wrote.
type CountingTransport struct {
	Base http.RoundTripper
	puts atomic.Int64
}

func (c *CountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" && !strings.Contains(r.URL.RawQuery, "policy") {
		c.puts.Add(1)
	}
	return c.Base.RoundTrip(r)
}

// Puts is how many data PUTs went through.
func (c *CountingTransport) Puts() int64 { return c.puts.Load() }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
