package storeboot_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

var (
	owners = storeboot.Account{Name: "upload", Access: "OWNERSACCESSKEY00001", Secret: "owners-secret-000000000000000000000000001"}
	center = storeboot.Account{Name: "center-read", Access: "CENTERREADACCESS0001", Secret: "center-secret-00000000000000000000000001"}
	writer = storeboot.Account{Name: "writer", Access: "WRITERACCESSKEY00001", Secret: "writer-secret-00000000000000000000000001"}
)

const bucket = "scidata"

// TestBootstrapGivesEachAccountItsAccessOnly runs the two steps against the
// real S3 server: the IAM file written before it starts, then the bucket and
// its policy made with the root account. Each account is then tried for
// what it may and may not do.
func TestBootstrapGivesEachAccountItsAccessOnly(t *testing.T) {
	accounts := []storeboot.Account{owners, center, writer}
	srv := s3test.StartWith(t, s3test.Options{Prepare: func(dir string) error {
		changed, err := storeboot.WriteIAM(dir, accounts, s3test.RootAccess)
		if err == nil && !changed {
			t.Errorf("WriteIAM into an empty directory reported no change")
		}
		return err
	}})
	ctx := context.Background()
	want, err := storeboot.Policy(bucket, []storeboot.Grant{
		{Account: owners, Access: storeboot.Manage},
		{Account: center, Access: storeboot.Read},
		{Account: writer, Access: storeboot.Write},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := storeboot.Ensure(ctx, srv.Root(), bucket, want)
	if err != nil {
		t.Fatal(err)
	}
	if !out.BucketCreated || !out.PolicySet {
		t.Fatalf("first Ensure = %+v, want the bucket created and the policy set", out)
	}
	// A second pass finds everything right and changes nothing: the server's
	// copy of the policy compares equal to what was asked for.
	out, err = storeboot.Ensure(ctx, srv.Root(), bucket, want)
	if err != nil {
		t.Fatal(err)
	}
	if out.BucketCreated || out.PolicySet {
		t.Fatalf("second Ensure = %+v, want no change", out)
	}

	cl := func(a storeboot.Account) *minio.Client { return srv.Client(a.Access, a.Secret) }
	put := func(a storeboot.Account, key string, size int) error {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		_, err := cl(a).PutObject(ctx, bucket, key, bytes.NewReader(data), int64(size), minio.PutObjectOptions{PartSize: 5 << 20})
		return err
	}
	get := func(a storeboot.Account, key string) error {
		o, err := cl(a).GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			return err
		}
		defer o.Close()
		_, err = o.Stat()
		return err
	}
	list := func(a storeboot.Account) error {
		for o := range cl(a).ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				return o.Err
			}
		}
		return nil
	}
	del := func(a storeboot.Account, key string) error {
		return cl(a).RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{})
	}
	denied := func(t *testing.T, what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s was allowed; the policy should deny it", what)
		} else if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
			t.Errorf("%s: %v (code %q), want AccessDenied", what, err, code)
		}
	}
	allowed := func(t *testing.T, what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}

	t.Run("owners manage their store", func(t *testing.T) {
		allowed(t, "owners put", put(owners, "raw/a.csv", 1024))
		// 12 MiB in 5 MiB parts: a multipart upload.
		allowed(t, "owners multipart put", put(owners, "raw/big.bin", 12<<20))
		allowed(t, "owners list", list(owners))
		allowed(t, "owners get", get(owners, "raw/a.csv"))
		allowed(t, "owners put then delete", put(owners, "raw/tmp", 10))
		allowed(t, "owners delete", del(owners, "raw/tmp"))
	})
	t.Run("the Center's account only reads", func(t *testing.T) {
		allowed(t, "center list", list(center))
		allowed(t, "center get", get(center, "raw/a.csv"))
		denied(t, "center put", put(center, "raw/b.csv", 10))
		denied(t, "center delete", del(center, "raw/a.csv"))
		denied(t, "center set policy", cl(center).SetBucketPolicy(ctx, bucket, string(want)))
	})
	t.Run("a writer writes but never deletes", func(t *testing.T) {
		allowed(t, "writer put", put(writer, "dept/entry/v1/a.csv", 2048))
		allowed(t, "writer multipart put", put(writer, "dept/entry/v1/big.bin", 11<<20))
		allowed(t, "writer get", get(writer, "dept/entry/v1/a.csv"))
		denied(t, "writer delete", del(writer, "dept/entry/v1/a.csv"))
		denied(t, "writer make bucket", cl(writer).MakeBucket(ctx, "other", minio.MakeBucketOptions{}))
	})
	t.Run("an unknown key is refused", func(t *testing.T) {
		stranger := storeboot.Account{Name: "stranger", Access: "STRANGERACCESSKEY001", Secret: "x-secret-0000000000000000000000000000001"}
		// A listing answers with a body, so the error's code is known (a
		// HEAD's 403 carries none).
		err := list(stranger)
		if err == nil || minio.ToErrorResponse(err).Code != "InvalidAccessKeyId" {
			t.Errorf("stranger list: %v, want InvalidAccessKeyId", err)
		}
		if err := get(stranger, "raw/a.csv"); err == nil {
			t.Error("stranger get was allowed")
		}
	})
}

func TestWriteIAMIsAtomicAndIdempotent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "iam")
	accounts := []storeboot.Account{owners, center}
	if changed, err := storeboot.WriteIAM(dir, accounts, "ROOT"); err != nil || !changed {
		t.Fatalf("first write: changed=%v err=%v", changed, err)
	}
	first, err := os.ReadFile(filepath.Join(dir, storeboot.IAMFile))
	if err != nil {
		t.Fatal(err)
	}
	// The order the accounts come in does not change the file.
	if changed, err := storeboot.WriteIAM(dir, []storeboot.Account{center, owners}, "ROOT"); err != nil || changed {
		t.Fatalf("rewrite of the same accounts: changed=%v err=%v", changed, err)
	}
	// A rotated key replaces the file, and the old key is gone from it.
	rotated := owners
	rotated.Access, rotated.Secret = "ROTATEDACCESSKEY0001", "rotated-secret-0000000000000000000000001"
	if changed, err := storeboot.WriteIAM(dir, []storeboot.Account{rotated, center}, "ROOT"); err != nil || !changed {
		t.Fatalf("rotation: changed=%v err=%v", changed, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, storeboot.IAMFile))
	if bytes.Contains(after, []byte(owners.Access)) || !bytes.Contains(after, []byte(rotated.Access)) {
		t.Fatalf("after rotation users.json still has the old key or lacks the new one:\n%s", after)
	}
	if bytes.Equal(first, after) {
		t.Fatal("users.json did not change on rotation")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the IAM directory holds %d files, want only %s (no temporary files left)", len(entries), storeboot.IAMFile)
	}
	info, _ := os.Stat(filepath.Join(dir, storeboot.IAMFile))
	if info.Mode().Perm()&0o077 != 0 {
		t.Errorf("users.json mode %v: readable by others", info.Mode().Perm())
	}
}

func TestIAMAndPolicyRefuseAmbiguousAccounts(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"root key reused", func() error {
			_, err := storeboot.IAM([]storeboot.Account{{Name: "upload", Access: "ROOT", Secret: "s"}}, "ROOT")
			return err
		}(), "root account's access key"},
		{"two accounts, one key", func() error {
			_, err := storeboot.IAM([]storeboot.Account{owners, {Name: "copy", Access: owners.Access, Secret: "s"}}, "ROOT")
			return err
		}(), "already used"},
		{"policy with a shared key", func() error {
			_, err := storeboot.Policy(bucket, []storeboot.Grant{{Account: owners, Access: storeboot.Read}, {Account: storeboot.Account{Name: "copy", Access: owners.Access}, Access: storeboot.Write}})
			return err
		}(), "share an access key"},
		{"policy with no grant", func() error { _, err := storeboot.Policy(bucket, nil); return err }(), "no account"},
		{"policy with unknown access", func() error {
			_, err := storeboot.Policy(bucket, []storeboot.Grant{{Account: owners, Access: 0}})
			return err
		}(), "unknown access"},
		{"account read from a missing file", func() error {
			_, err := storeboot.ReadAccount("upload", t.TempDir(), "accessKeyID", "secretAccessKey")
			return err
		}(), "account upload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", tc.err, tc.want)
			}
		})
	}
}

func TestPolicyIsDeterministicAndLeastPrivilege(t *testing.T) {
	a, err := storeboot.Policy(bucket, []storeboot.Grant{{Account: owners, Access: storeboot.Manage}, {Account: center, Access: storeboot.Read}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := storeboot.Policy(bucket, []storeboot.Grant{{Account: center, Access: storeboot.Read}, {Account: owners, Access: storeboot.Manage}})
	if !bytes.Equal(a, b) {
		t.Fatalf("the order of grants changed the policy:\n%s\n%s", a, b)
	}
	w, _ := storeboot.Policy(bucket, []storeboot.Grant{{Account: writer, Access: storeboot.Write}})
	for _, forbidden := range []string{"s3:DeleteObject", "s3:PutBucketPolicy", "s3:*", "DeleteBucket"} {
		if bytes.Contains(w, []byte(forbidden)) {
			t.Errorf("a Write grant contains %s: %s", forbidden, w)
		}
	}
}
