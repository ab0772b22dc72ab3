package access_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

var (
	owner = storeboot.Account{Name: "upload", Access: "OWNERSACCESSKEY00001", Secret: "owners-secret-000000000000000000000000001"}
	grant = storeboot.FileGrant{ID: "gcheck", Access: "GRANTACCESSKEY000001", Secret: "grant-secret-000000000000000000000000001", Prefix: "hydro/"}
)

// The check the grant's Job runs, against the real versitygw: it passes for
// a read-only grant of the prefix, fails at once for a credential that
// writes, and fails after its wait for one the store does not know.
func TestTheGrantCheckProvesReadOnlyAccessToThePrefix(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartWith(t, s3test.Options{AdminSocket: true, Prepare: func(dir string) error {
		_, err := storeboot.WriteIAM(dir, []storeboot.Account{owner}, s3test.RootAccess)
		return err
	}})
	admin := storeboot.NewSocketAdmin(srv.AdminSocket, s3test.RootAccess, s3test.RootSecret)
	g := grant
	g.Expires = time.Now().Add(time.Hour).Truncate(time.Second)
	if err := admin.CreateUser(ctx, g.Access, g.Secret); err != nil {
		t.Fatal(err)
	}
	policy, err := storeboot.PolicyWithAccess("scidata", []storeboot.Grant{{Account: owner, Access: storeboot.Manage}}, []storeboot.FileGrant{g})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeboot.Ensure(ctx, srv.Root(), "scidata", policy); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"hydro/a.csv", "hydro/b.csv", "other/c.csv"} {
		if _, err := srv.Client(owner.Access, owner.Secret).PutObject(ctx, "scidata", k, strings.NewReader("x,y\n"), 4, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(key, secret string, wait time.Duration) (access.CheckResult, error) {
		return access.Check{Client: srv.Client(key, secret), Bucket: "scidata", Prefix: "hydro/", Wait: wait, Interval: 50 * time.Millisecond,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.Run(ctx)
	}
	res, err := check(g.Access, g.Secret, time.Second)
	if err != nil || res.Listed != 2 || res.Read != "hydro/a.csv" || !res.WriteRefused || !res.OutsideRefused {
		t.Fatalf("the check of a read-only grant: %+v, %v", res, err)
	}
	back, err := access.ParseCheckResult(res.Summary())
	if err != nil || back != res {
		t.Fatalf("the termination message does not read back: %q → %+v, %v", res.Summary(), back, err)
	}
	if _, err := check(owner.Access, owner.Secret, time.Minute); !errors.Is(err, access.ErrWritable) {
		t.Errorf("the check of the owners' read-write account: %v, want ErrWritable at once", err)
	}
	res, err = check("UNKNOWNACCESSKEY0001", "unknown-secret-0000000000000000000000001", 300*time.Millisecond)
	if err == nil || res.Tries < 2 || !strings.Contains(res.Error, "InvalidAccessKeyId") && !strings.Contains(res.Error, "Access Key Id") {
		t.Errorf("the check of an unknown credential: %+v, %v; want a failure after retries", res, err)
	}
}
