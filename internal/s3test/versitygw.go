package s3test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// versitygwCommand is versitygw with the posix backend on dir/data (or
// o.DataDir), its IAM in dir/iam, and TLS on both its S3 and admin ports.
func (s *Server) versitygwCommand(bin, dir string, c *certs, o Options) (*exec.Cmd, error) {
	ports, err := freePorts(o.host(), 2)
	if err != nil {
		return nil, err
	}
	s.Endpoint, s.admin = ports[0], ports[1]
	s.Dir = cmpOr(o.DataDir, filepath.Join(dir, "data"))
	iam := filepath.Join(dir, "iam")
	for _, d := range []string{s.Dir, iam} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if o.Prepare != nil {
		if err := o.Prepare(iam); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	// versitygw changes its working directory: every path must be absolute.
	// Without --keep-alive it answers every request "Connection: close",
	// and each request pays a new TLS handshake.
	admin := []string{"--admin-port", s.admin, "--admin-cert", c.certFile, "--admin-cert-key", c.keyFile}
	if o.AdminSocket {
		// A socket's path is bounded (108 bytes): a short directory of its
		// own, not the test's.
		d, err := os.MkdirTemp("", "vgw-")
		if err != nil {
			return nil, err
		}
		s.AdminSocket, s.admin = filepath.Join(d, "admin.sock"), ""
		admin = []string{"--admin-port", s.AdminSocket}
	}
	args := append([]string{"--port", s.Endpoint, "--cert", c.certFile, "--key", c.keyFile}, admin...)
	cmd := exec.Command(bin, append(args, "--iam-dir", iam, "--keep-alive", "--quiet", "posix", s.Dir)...)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+RootAccess, "ROOT_SECRET_KEY="+RootSecret)
	return cmd, nil
}

// grantVersity gives the Upload and ReadOnly accounts their access on
// bucket: two users of role user (which can do nothing by themselves) and
// one bucket policy.
func (s *Server) grantVersity(bucket string) error {
	for _, a := range []Account{Upload, ReadOnly} {
		if err := s.createUser(a); err != nil {
			return err
		}
	}
	if err := s.Root().SetBucketPolicy(context.Background(), bucket, accountsPolicy(bucket)); err != nil {
		return fmt.Errorf("set bucket policy on %s: %w", bucket, err)
	}
	return nil
}

// createUser makes an account of role user with versitygw's admin CLI.
func (s *Server) createUser(a Account) error {
	if s.Engine != Versity {
		return fmt.Errorf("s3test: %s's accounts are fixed when it starts (Options.Bucket)", s.Engine)
	}
	cmd := exec.Command(Binary(Versity), "admin", "--access", RootAccess, "--secret", RootSecret,
		"--endpoint-url", "https://"+s.admin, "create-user", "--access", a.Access, "--secret", a.Secret, "--role", "user")
	// The admin CLI has no CA flag; Go's TLS honours SSL_CERT_FILE, so it
	// verifies the server against the test's CA (never --allow-insecure).
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+s.CAFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("versitygw admin create-user: %w\n%s", err, out)
	}
	return nil
}

// CreateUser (versitygw) makes an account of role user with versitygw's
// admin CLI: it can do nothing until a bucket policy lets it.
func (s *Server) CreateUser(t testing.TB, a Account) {
	t.Helper()
	if err := s.createUser(a); err != nil {
		t.Fatal(err)
	}
}

// CreateReadOnlyUser (versitygw) makes an account with versitygw's admin
// CLI (role user, which can read nothing by itself) and a bucket policy
// that lets it get and list the bucket's objects: the Center's read-only
// account on a department's store.
func (s *Server) CreateReadOnlyUser(t testing.TB, access, secret, bucket string) {
	t.Helper()
	if err := s.createUser(Account{access, secret}); err != nil {
		t.Fatal(err)
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

// accountsPolicy lets ReadOnly get and list bucket's objects, and Upload
// also put them (single and multipart), never delete them.
func accountsPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Principal":{"AWS":[%q,%q]},"Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::%s"]},`+
		`{"Effect":"Allow","Principal":{"AWS":[%q,%q]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]},`+
		`{"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["s3:ListBucketMultipartUploads"],"Resource":["arn:aws:s3:::%s"]},`+
		`{"Effect":"Allow","Principal":{"AWS":[%q]},"Action":["s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":["arn:aws:s3:::%s/*"]}]}`,
		Upload.Access, ReadOnly.Access, bucket, Upload.Access, ReadOnly.Access, bucket, Upload.Access, bucket, Upload.Access, bucket)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
