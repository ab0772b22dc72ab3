package storeboot_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// The objects of the grant tests: the granted prefix, a prefix that only
// shares its first letters, and another entry's data.
var grantObjects = map[string]string{
	"hydro/a.csv":       "station,level\n1,3.2\n",
	"hydro/sub/d.csv":   "station,level\n2,4.1\n",
	"hydrology/b.csv":   "another entry\n",
	"other/c.csv":       "another entry\n",
	"hydro.csv":         "not under hydro/\n",
	"hydro/../secret.x": "a key that climbs out\n",
}

func grantServer(t *testing.T) (*s3test.Server, *storeboot.Admin) {
	t.Helper()
	srv := s3test.StartWith(t, s3test.Options{AdminSocket: true, Prepare: func(dir string) error {
		_, err := storeboot.WriteIAM(dir, []storeboot.Account{owners}, s3test.RootAccess)
		return err
	}})
	return srv, storeboot.NewSocketAdmin(srv.AdminSocket, s3test.RootAccess, s3test.RootSecret)
}

func putObjects(t *testing.T, srv *s3test.Server) {
	t.Helper()
	up := srv.Client(owners.Access, owners.Secret)
	for k, v := range grantObjects {
		if _, err := up.PutObject(context.Background(), bucket, k, strings.NewReader(v), int64(len(v)), minio.PutObjectOptions{}); err != nil {
			t.Fatalf("owners put %s: %v", k, err)
		}
	}
}

// grantCan says what a grant's account may do, as a consumer of the data
// tries it.
type grantCan struct {
	t  *testing.T
	cl *minio.Client
}

func (g grantCan) get(key string) error {
	o, err := g.cl.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer o.Close()
	_, err = io.ReadAll(o)
	return err
}

func (g grantCan) list(prefix string) ([]string, error) {
	var keys []string
	for o := range g.cl.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return keys, o.Err
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return minio.ToErrorResponse(err).Code
}

// checkScope proves a live grant on hydro/: it reads and lists hydro/ and
// nothing else, and writes nothing.
func checkScope(t *testing.T, g grantCan) {
	t.Helper()
	for _, k := range []string{"hydro/a.csv", "hydro/sub/d.csv"} {
		if err := g.get(k); err != nil {
			t.Errorf("the grant cannot read %s: %v", k, err)
		}
	}
	keys, err := g.list("hydro/")
	slices.Sort(keys)
	if err != nil || !slices.Equal(keys, []string{"hydro/a.csv", "hydro/sub/d.csv"}) {
		t.Errorf("the grant lists hydro/ as %v, %v; want its two objects", keys, err)
	}
	denied := func(what string, err error) {
		t.Helper()
		if code(err) != "AccessDenied" {
			t.Errorf("%s: %v (code %q), want AccessDenied", what, err, code(err))
		}
	}
	for _, k := range []string{"hydrology/b.csv", "other/c.csv", "hydro.csv", "hydro/../secret.x", "secret.x"} {
		denied("get "+k, g.get(k))
	}
	for _, p := range []string{"", "hydrology/", "hydro", "other/"} {
		_, err := g.list(p)
		denied("a listing with prefix "+strings.TrimSpace(p+" ")+" (fails closed)", err)
	}
	_, err = g.cl.PutObject(context.Background(), bucket, "hydro/new.csv", strings.NewReader("x"), 1, minio.PutObjectOptions{})
	denied("put under the prefix", err)
	denied("delete under the prefix", g.cl.RemoveObject(context.Background(), bucket, "hydro/a.csv", minio.RemoveObjectOptions{}))
	denied("set the bucket policy", g.cl.SetBucketPolicy(context.Background(), bucket, `{}`))
}

// expiresSoon is an expiry to the second, at least lead ahead.
func expiresSoon(lead time.Duration) time.Time {
	return time.Now().Add(lead).Truncate(time.Second).Add(time.Second)
}

// TestTheStoreRefusesAGrantAtItsExpiryInstant runs the grant's bucket
// policy statements on the real versitygw, with no operator and no sidecar
// to remove anything: the account reads only its prefix, every listing
// outside it (or without a prefix) fails closed, and from the expiry
// instant on the store itself refuses every request (DateLessThan
// aws:CurrentTime), while the account still exists; deleting the account
// through the admin API makes the next request fail at once.
func TestTheStoreRefusesAGrantAtItsExpiryInstant(t *testing.T) {
	srv, admin := grantServer(t)
	ctx := context.Background()
	g := storeboot.FileGrant{ID: "g1", Access: "GRANTACCESSKEY000001", Secret: "grant-secret-000000000000000000000000001", Prefix: "hydro/", Expires: expiresSoon(2 * time.Second)}
	if err := admin.CreateUser(ctx, g.Access, g.Secret); err != nil {
		t.Fatal(err)
	}
	if users, err := admin.ListUsers(ctx); err != nil || !slices.Contains(users, g.Access) {
		t.Fatalf("the admin API lists %v, %v; want the grant's account", users, err)
	}
	policy, err := storeboot.PolicyWithAccess(bucket, []storeboot.Grant{{Account: owners, Access: storeboot.Manage}}, []storeboot.FileGrant{g})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeboot.Ensure(ctx, srv.Root(), bucket, policy); err != nil {
		t.Fatalf("versitygw refused the grant's policy: %v\n%s", err, policy)
	}
	putObjects(t, srv)
	can := grantCan{t: t, cl: srv.Client(g.Access, g.Secret)}
	checkScope(t, can)

	// Every request allowed started before the instant; every one refused
	// ended at or after it.
	var allowed, refused int
	deadline := g.Expires.Add(5 * time.Second)
	for time.Now().Before(deadline) {
		start := time.Now()
		err := can.get("hydro/a.csv")
		end := time.Now()
		if err == nil {
			allowed++
			if !start.Before(g.Expires) {
				t.Fatalf("a read starting %s was allowed, after the expiry %s", start.Format(time.RFC3339Nano), g.Expires.Format(time.RFC3339))
			}
		} else {
			if code(err) != "AccessDenied" {
				t.Fatalf("after expiry: %v, want AccessDenied", err)
			}
			if end.Before(g.Expires) {
				t.Fatalf("a read ending %s was refused before the expiry %s", end.Format(time.RFC3339Nano), g.Expires.Format(time.RFC3339))
			}
			refused++
			if refused == 3 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // pacing the probe, not waiting for a condition
	}
	if allowed == 0 || refused < 3 {
		t.Fatalf("%d reads allowed and %d refused around the expiry; want both", allowed, refused)
	}
	if _, err := can.list("hydro/"); code(err) != "AccessDenied" {
		t.Errorf("a listing after the expiry: %v, want AccessDenied", err)
	}
	if err := admin.DeleteUser(ctx, g.Access); err != nil {
		t.Fatal(err)
	}
	if _, err := can.list("hydro/"); code(err) != "InvalidAccessKeyId" {
		t.Errorf("the first request after the account's deletion: %v, want InvalidAccessKeyId", err)
	}
}

func writeGrants(t *testing.T, path string, grants ...storeboot.FileGrant) {
	t.Helper()
	data, err := storeboot.EncodeGrants(grants)
	if err != nil {
		t.Fatal(err)
	}
	// As the kubelet updates a mounted Secret: a new file renamed in.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestTheSidecarProvisionsGrantsFromTheMountedFile runs the store's sidecar
// the way its pod did before it read the API (and still does while the API
// cannot answer), against the real versitygw and its admin API: a grant
// written into the mounted grants file becomes an account and two
// statements without a restart; a grant taken out of the file loses both
// at once; a grant that expires loses both at its instant, though the file
// still holds it.
func TestTheSidecarProvisionsGrantsFromTheMountedFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), storeboot.GrantsFile)
	sidecarFollowsGrants(t, storeboot.FileSource(file), 50*time.Millisecond, func(t *testing.T, grants ...storeboot.FileGrant) {
		writeGrants(t, file, grants...)
	})
}

// sidecarFollowsGrants runs the sidecar on source, read every every, and
// puts grants into it with put.
func sidecarFollowsGrants(t *testing.T, source storeboot.GrantSource, every time.Duration, put func(*testing.T, ...storeboot.FileGrant)) {
	srv, admin := grantServer(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := l.Addr().String()
	_ = l.Close()
	runCtx, cancel := context.WithCancel(ctx)
	sc := &storeboot.Sidecar{Client: srv.Root(), Bucket: bucket, Grants: []storeboot.Grant{{Account: owners, Access: storeboot.Manage}},
		Source: source, Admin: admin, HealthAddr: health, Interval: time.Minute, PollInterval: every,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan error, 1)
	go func() { done <- sc.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sidecar: %v", err)
		}
	})
	poll := func(what string, cond func() error) {
		t.Helper()
		var last error
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
			last = cond()
			return last == nil, nil
		}); err != nil {
			t.Fatalf("%s: %v", what, last)
		}
	}
	poll("the owners can write once the bucket and its policy are made", func() error {
		_, err := srv.Client(owners.Access, owners.Secret).PutObject(ctx, bucket, "probe", bytes.NewReader(nil), 0, minio.PutObjectOptions{})
		return err
	})
	putObjects(t, srv)

	soon := storeboot.FileGrant{ID: "gsoon", Access: "GRANTACCESSKEY000002", Secret: "grant-secret-000000000000000000000000002", Prefix: "hydro/", Expires: expiresSoon(3 * time.Second)}
	later := storeboot.FileGrant{ID: "glater", Access: "GRANTACCESSKEY000003", Secret: "grant-secret-000000000000000000000000003", Prefix: "hydro/", Expires: time.Now().Add(time.Hour).Truncate(time.Second)}
	put(t, soon, later)
	for _, g := range []storeboot.FileGrant{soon, later} {
		poll("grant "+g.ID+" reads its prefix", func() error { return grantCan{cl: srv.Client(g.Access, g.Secret)}.get("hydro/a.csv") })
	}
	checkScope(t, grantCan{t: t, cl: srv.Client(later.Access, later.Secret)})

	absent := func(g storeboot.FileGrant) func() error {
		return func() error {
			users, err := admin.ListUsers(ctx)
			if err != nil {
				return err
			}
			policy, err := srv.Root().GetBucketPolicy(ctx, bucket)
			if err != nil {
				return err
			}
			if slices.Contains(users, g.Access) || strings.Contains(policy, "grant"+g.ID) {
				return errorString("the account or a statement of grant " + g.ID + " is still there")
			}
			return nil
		}
	}
	// Withdrawn: out of the grants, out of the store.
	put(t, soon)
	poll("grant glater is removed once out of the grants", absent(later))
	if err := (grantCan{cl: srv.Client(later.Access, later.Secret)}).get("hydro/a.csv"); code(err) != "InvalidAccessKeyId" {
		t.Errorf("grant glater still works after it left the grants")
	}
	// Expired: the grants still hold it.
	poll("grant gsoon is removed at its expiry", absent(soon))
	if now := time.Now(); now.Before(soon.Expires) {
		t.Fatalf("grant gsoon was removed at %s, before its expiry %s", now, soon.Expires)
	}
	if err := (grantCan{cl: srv.Client(owners.Access, owners.Secret)}).get("hydro/a.csv"); err != nil {
		t.Errorf("the owners lost their access with the grants: %v", err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
