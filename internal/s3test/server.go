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
	"strconv"
	"strings"
	gosync "sync"
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

// Account is an access key and its secret.
type Account struct{ Access, Secret string }

// The accounts a server started with Options.Bucket has on that bucket.
var (
	// Upload reads, writes and lists the bucket's objects: the Center's
	// sync writer, or a department's uploader. On versitygw it deletes
	// nothing; SeaweedFS's Write action also deletes.
	Upload = Account{"scidata-upload", "scidata-upload-secret-0123456789"}
	// ReadOnly reads and lists the bucket's objects: the Center's account
	// on a department's store.
	ReadOnly = Account{"scidata-readonly", "scidata-readonly-secret-0123456789"}
)

// Engine is an S3 server implementation.
type Engine string

const (
	// Versity is versitygw, the Managed store's engine.
	Versity Engine = "versitygw"
	// SeaweedFS is `weed server -s3`, the city's existing store.
	SeaweedFS Engine = "seaweedfs"
)

// Engines are every engine the tests run, versitygw first.
var Engines = []Engine{Versity, SeaweedFS}

// Server is a running S3 server.
type Server struct {
	Engine Engine
	// Endpoint is <Options.Host>:<port> (127.0.0.1 by default), served
	// over TLS only.
	Endpoint string
	// CAFile holds the PEM of the CA that signed the server's certificate.
	CAFile  string
	RootCAs *x509.CertPool
	// Dir is versitygw's posix backend root: bucket b's object k is
	// Dir/b/k. SeaweedFS keeps objects in volume files, so it is empty.
	Dir string
	// Started is how long the server took from exec until it answered and
	// (SeaweedFS) took its first write.
	Started time.Duration

	// AdminSocket is the admin API's UNIX socket (Options.AdminSocket).
	AdminSocket string

	admin string
	cmd   *exec.Cmd
	done  chan error
	log   string
}

// Binary is the server an engine's tests run: $VERSITYGW or $WEED (set by
// `make test`), else bin/versitygw or bin/weed at the repository's top.
func Binary(e Engine) string {
	env, name := "VERSITYGW", "versitygw"
	if e == SeaweedFS {
		env, name = "WEED", "weed"
	}
	if b := os.Getenv(env); b != "" {
		return b
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "bin", name)
}

// makeTarget names the make target that builds an engine's binary.
func makeTarget(e Engine) string {
	if e == SeaweedFS {
		return "seaweedfs"
	}
	return "versitygw"
}

// Start runs a fresh versitygw for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// Options change how a test server starts.
type Options struct {
	// Engine is the server to run; empty means versitygw.
	Engine Engine
	// Bucket, if set, is created at start with the Upload and ReadOnly
	// accounts on it. For Shared (SeaweedFS), a pattern ending in "*".
	Bucket string
	// Prepare (versitygw only) runs before the server starts, with its IAM
	// directory (what --iam-dir names): a test writes users.json there the
	// way the store's init container does.
	Prepare func(iamDir string) error
	// AdminSocket (versitygw only) serves the admin API on a UNIX socket
	// (Server.AdminSocket) instead of over TLS on a port, as the Managed
	// store's pod does; the accounts of Bucket are then not made.
	AdminSocket bool
	// DataDir (versitygw only), if set, is the posix backend's root instead
	// of a fresh temporary directory: a test mounts a small tmpfs there to
	// fill it.
	DataDir string
	// CA, if set, signs the server's certificate instead of a CA made for
	// the test (the operator's CA, so that the operator's clients trust
	// the server as they trust a Managed store); DNSNames are names the
	// certificate carries besides 127.0.0.1 and localhost (a Managed
	// store's in-cluster names).
	CA       *CA
	DNSNames []string
	// Host is the address the server binds and advertises, and its
	// certificate's IP: 127.0.0.1 when empty. A real node's address makes
	// the server reachable from the node's pods, as a city's store on the
	// node would be (the end-to-end tests).
	Host string
}

func (o Options) host() string {
	if o.Host == "" {
		return "127.0.0.1"
	}
	return o.Host
}

// StartWith runs a fresh server prepared as o says and stops it when the
// test ends.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := launch(t.TempDir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	if o.Bucket != "" {
		if err := s.grant(o.Bucket); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// shared are the servers Shared started, by engine and name.
var shared struct {
	gosync.Mutex
	servers map[string]*sharedServer
}

type sharedServer struct {
	once gosync.Once
	s    *Server
	dir  string
	err  error
}

// Shared returns the test binary's server of o.Engine called name, started
// on first use and kept until StopShared (call it from TestMain after the
// tests ran). It is for an engine that takes seconds to start: tests share
// the server and each makes buckets of its own. o.Bucket is then a pattern
// ending in "*" (SeaweedFS only): the Upload and ReadOnly accounts get
// their access on every bucket it matches.
func Shared(t testing.TB, name string, o Options) *Server {
	t.Helper()
	e := sharedEntry(name, o)
	e.start(name, o)
	if e.err != nil {
		t.Fatalf("shared %s server %s: %v", o.Engine, name, e.err)
	}
	return e.s
}

// Warm starts the shared server name (as Shared would) in the background
// and returns at once, so that an engine slow to start (SeaweedFS: seconds)
// starts while the suite prepares everything else.
func Warm(name string, o Options) {
	e := sharedEntry(name, o)
	go e.start(name, o)
}

func sharedEntry(name string, o Options) *sharedServer {
	shared.Lock()
	defer shared.Unlock()
	if shared.servers == nil {
		shared.servers = map[string]*sharedServer{}
	}
	key := string(o.Engine) + "/" + name
	e := shared.servers[key]
	if e == nil {
		e = &sharedServer{}
		shared.servers[key] = e
	}
	return e
}

func (e *sharedServer) start(name string, o Options) {
	e.once.Do(func() {
		e.s, e.err = launch(func() string {
			d, err := os.MkdirTemp("", "s3test-"+name+"-")
			if err != nil {
				panic(err)
			}
			e.dir = d
			return d
		}, o)
	})
}

// StopShared stops every server Shared started and removes their files.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	for k, e := range shared.servers {
		if e.s != nil {
			e.s.stop()
		}
		if e.dir != "" {
			_ = os.RemoveAll(e.dir)
		}
		delete(shared.servers, k)
	}
}

// launch starts a server in a directory from newDir, trying again on a
// port taken between finding and binding it.
func launch(newDir func() string, o Options) (*Server, error) {
	if o.Engine == "" {
		o.Engine = Versity
	}
	if o.Engine != Versity && (o.Prepare != nil || o.DataDir != "" || o.AdminSocket) {
		return nil, fmt.Errorf("s3test: Prepare, DataDir and AdminSocket are versitygw's; %s takes none", o.Engine)
	}
	if o.AdminSocket && o.Bucket != "" {
		return nil, fmt.Errorf("s3test: with AdminSocket, make the bucket's accounts through the socket")
	}
	if strings.Contains(o.Bucket, "*") && o.Engine != SeaweedFS {
		return nil, fmt.Errorf("s3test: a bucket pattern (%q) is SeaweedFS's; %s grants one bucket", o.Bucket, o.Engine)
	}
	bin := Binary(o.Engine)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the S3 server %s is missing: run `make %s` (make test builds it first) to build it from hack/tools/%s",
			bin, makeTarget(o.Engine), makeTarget(o.Engine))
	}
	var lastErr error
	for range 3 {
		s, err := start(newDir(), bin, o)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("start %s: %w", o.Engine, lastErr)
}

// grant makes bucket and gives Upload and ReadOnly their access on it; a
// pattern was granted when the server started.
func (s *Server) grant(bucket string) error {
	if strings.Contains(bucket, "*") {
		return nil
	}
	if err := s.Root().MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{}); err != nil {
		return fmt.Errorf("make bucket %s: %w", bucket, err)
	}
	if s.Engine == Versity {
		return s.grantVersity(bucket)
	}
	return nil
}

func start(dir, bin string, o Options) (*Server, error) {
	c, err := newCerts(dir, o)
	if err != nil {
		return nil, err
	}
	s := &Server{Engine: o.Engine, CAFile: c.caFile, RootCAs: c.pool,
		log: filepath.Join(dir, string(o.Engine)+".log"), done: make(chan error, 1)}
	switch o.Engine {
	case Versity:
		s.cmd, err = s.versitygwCommand(bin, dir, c, o)
	case SeaweedFS:
		s.cmd, err = s.seaweedfsCommand(bin, dir, c, o)
	default:
		err = fmt.Errorf("unknown engine %q", o.Engine)
	}
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	begin := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitReady(90 * time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its log:\n%s", err, s.Log())
	}
	s.Started = time.Since(begin)
	return s, nil
}

// waitReady polls until the server answers an authenticated request and
// takes a write, the process exits, or the timeout passes. SeaweedFS
// answers reads seconds before it takes a write: an object write holds a
// lock that its filer serves only once it has announced itself to the
// master (see docs/dependencies.md), so it is asked for one.
func (s *Server) waitReady(timeout time.Duration) error {
	cl := s.Root()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cl.ListBuckets(ctx)
		cancel()
		if err == nil && s.Engine == SeaweedFS {
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			err = s.takesAWrite(ctx)
			cancel()
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s on %s did not answer within %s: %w", s.Engine, s.Endpoint, timeout, err)
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			if werr == nil {
				werr = errors.New("exit status 0")
			}
			return fmt.Errorf("%s exited before answering: %w", s.Engine, werr)
		case <-tick.C:
		}
	}
}

// takesAWrite writes an object into a bucket of its own and removes both.
func (s *Server) takesAWrite(ctx context.Context) error {
	const bucket = "s3test-ready"
	cl := s.Root()
	if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return err
	}
	if _, err := cl.PutObject(ctx, bucket, "ready", bytes.NewReader([]byte("ready")), 5, minio.PutObjectOptions{}); err != nil {
		return err
	}
	if err := cl.RemoveObject(ctx, bucket, "ready", minio.RemoveObjectOptions{}); err != nil {
		return err
	}
	return cl.RemoveBucket(ctx, bucket)
}

// stop ends the server: SIGTERM, and SIGKILL if it has not exited within
// half a second. Both engines' graceful shutdown waits for clients' open
// keep-alive connections (versitygw) or drains its components (SeaweedFS);
// a test's data is thrown away anyway.
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(500 * time.Millisecond):
		_ = s.cmd.Process.Kill()
		s.done <- <-s.done
	}
	if s.AdminSocket != "" {
		_ = os.RemoveAll(filepath.Dir(s.AdminSocket))
	}
}

// Stop stops the server, as a store that goes down does; Restart starts
// it again on the same port and data.
func (s *Server) Stop() { s.stop() }

// Restart starts a stopped server again with what it was started with, on
// the same ports and data, and waits until it answers (SeaweedFS: until it
// takes a write, which takes seconds; the envtest suites restart versitygw
// only, the end-to-end test SeaweedFS too).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	timeout := 30 * time.Second
	if s.Engine == SeaweedFS {
		timeout = 90 * time.Second
	}
	cmd := exec.Command(s.cmd.Path, s.cmd.Args[1:]...)
	cmd.Env, cmd.Dir = s.cmd.Env, s.cmd.Dir
	logf, err := os.OpenFile(s.log, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = logf.Close() }()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(timeout); err != nil {
		t.Fatalf("%v; its log:\n%s", err, s.Log())
	}
}

// CPU is the processor time (user and system) the server's process has
// used so far, from /proc (Linux).
func (s *Server) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name in parentheses: state is field 3,
	// utime and stime are 14 and 15, in clock ticks (100 per second).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", b)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
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

// As is a client with account a.
func (s *Server) As(a Account) *minio.Client { return s.Client(a.Access, a.Secret) }

// Root is a client with the root account.
func (s *Server) Root() *minio.Client { return s.Client(RootAccess, RootSecret) }

// MakeBucket creates a bucket as root.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.Root().MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
}

// ObjectPath is the file holding an object in versitygw's posix backend.
func (s *Server) ObjectPath(bucket, key string) string {
	if s.Engine != Versity {
		panic("s3test: ObjectPath is versitygw's posix layout; " + string(s.Engine) + " has none")
	}
	return filepath.Join(s.Dir, bucket, filepath.FromSlash(key))
}

// Put stores an object as root.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	_, err := s.Root().PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

// freePorts finds n addresses of host nothing listens on.
func freePorts(host string, n int) ([]string, error) {
	var out []string
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}

// CountingTransport counts requests through the transports it wraps:
// accepted object writes (PUTs that carry data: not server-side copies,
// not bucket policies), and every request by server and method, so tests
// can prove what a run wrote and asked of each store.
type CountingTransport struct {
	// Base is the transport RoundTrip uses; Wrap names another.
	Base http.RoundTripper

	mu   gosync.Mutex
	puts int64
	reqs map[string]int64 // "host method" → requests
}

// Wrap returns a transport that sends through base and counts here.
func (c *CountingTransport) Wrap(base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) { return c.roundTrip(base, r) })
}

func (c *CountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return c.roundTrip(c.Base, r)
}

func (c *CountingTransport) roundTrip(base http.RoundTripper, r *http.Request) (*http.Response, error) {
	resp, err := base.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reqs == nil {
		c.reqs = map[string]int64{}
	}
	c.reqs[r.URL.Host+" "+r.Method]++
	if err == nil && resp.StatusCode/100 == 2 &&
		r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" && !strings.Contains(r.URL.RawQuery, "policy") {
		c.puts++
	}
	return resp, err
}

// Puts is how many data PUTs the servers accepted (a refused one wrote
// nothing).
func (c *CountingTransport) Puts() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.puts
}

// Requests is how many requests of method went to endpoint (host:port);
// an empty method counts every method.
func (c *CountingTransport) Requests(endpoint, method string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for k, v := range c.reqs {
		host, m, _ := strings.Cut(k, " ")
		if host == endpoint && (method == "" || m == method) {
			n += v
		}
	}
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
