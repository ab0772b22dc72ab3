package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scidata-io/scidata-operator/internal/storeboot"
)

// mountSecret writes an account's keys as a mounted Secret lays them out.
func mountSecret(t *testing.T, access, secret string) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range map[string]string{"accessKeyID": access, "secretAccessKey": secret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStoreCommandsRefuseBadFlags(t *testing.T) {
	keys := mountSecret(t, "A", "B")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"store-init", "--iam-dir", t.TempDir()}, "no --account"},
		{[]string{"store-bootstrap", "--server-name", "x", "--ca-file", "/nonexistent"}, `required flag(s) "bucket" not set`},
		{[]string{"store-init", "--iam-dir", t.TempDir(), "--account", "upload"}, "want name=directory"},
		{[]string{"store-init", "--iam-dir", t.TempDir(), "--account", "upload=" + t.TempDir()}, "account upload"},
		{[]string{"store-bootstrap", "--server-name", "x", "--ca-file", "/nonexistent", "--bucket", "scidata", "--grant", "upload=" + keys + ":admin"}, `level "admin"`},
		{[]string{"store-bootstrap", "--server-name", "x", "--ca-file", "/nonexistent", "--bucket", "scidata", "--grant", "upload"}, "want name=directory:level"},
	} {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			err := Execute(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// store-init writes one account per --account into the IAM file the server
// reads, and never prints a key.
func TestStoreInitWritesTheNamedAccountsWithoutPrintingKeys(t *testing.T) {
	upload := mountSecret(t, "UPLOADACCESSKEY00001", "upload-secret-000000000000000000000001")
	read := mountSecret(t, "CENTERREADACCESS0001", "read-secret-00000000000000000000000001")
	t.Setenv(rootAccessEnv, "ROOTACCESSKEY0000001")
	iamDir := t.TempDir()
	var out bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"store-init", "--iam-dir", iamDir, "--account", "upload=" + upload, "--account", "center-read=" + read})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(iamDir, storeboot.IAMFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"UPLOADACCESSKEY00001", "CENTERREADACCESS0001"} {
		if !bytes.Contains(users, []byte(k)) {
			t.Errorf("%s lacks the account with key %s", storeboot.IAMFile, k)
		}
	}
	for _, k := range []string{"UPLOADACCESSKEY00001", "upload-secret-000000000000000000000001", "CENTERREADACCESS0001", "read-secret-00000000000000000000000001"} {
		if strings.Contains(out.String(), k) {
			t.Errorf("store-init printed the key %s: %s", k, out.String())
		}
	}
}

// The objects command needs the store, its bucket, its CA and the keys
// before it dials.
func TestObjectsCommandNeedsTheStoreTheCAAndTheKeys(t *testing.T) {
	root := newRoot()
	root.SetArgs([]string{"objects", "ls"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), `required flag(s) "bucket", "ca-file", "credentials", "endpoint" not set`) {
		t.Fatalf("objects ls without flags: %v", err)
	}
}

// A restarted store keeps its access grants: store-init writes the account
// of every grant of the mounted grants file still in force, and none of an
// expired one.
func TestStoreInitKeepsTheGrantsInForce(t *testing.T) {
	upload := mountSecret(t, "UPLOADACCESSKEY00001", "upload-secret-000000000000000000000001")
	t.Setenv(rootAccessEnv, "ROOTACCESSKEY0000001")
	now := time.Now().Truncate(time.Second)
	data, err := storeboot.EncodeGrants([]storeboot.FileGrant{
		{ID: "glive", Access: "GRANTLIVEACCESSKEY01", Secret: "live-secret-0000000000000000000000000001", Prefix: "hydro/", Expires: now.Add(time.Hour)},
		{ID: "gover", Access: "GRANTOVERACCESSKEY01", Secret: "over-secret-0000000000000000000000000001", Prefix: "hydro/", Expires: now.Add(-time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	grants := filepath.Join(t.TempDir(), storeboot.GrantsFile)
	if err := os.WriteFile(grants, data, 0o400); err != nil {
		t.Fatal(err)
	}
	iamDir := t.TempDir()
	if err := Execute([]string{"store-init", "--iam-dir", iamDir, "--account", "upload=" + upload, "--grants-file", grants}); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(iamDir, storeboot.IAMFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(users, []byte("GRANTLIVEACCESSKEY01")) || bytes.Contains(users, []byte("GRANTOVERACCESSKEY01")) {
		t.Fatalf("%s after a restart holds the wrong grants:\n%s", storeboot.IAMFile, users)
	}
	// No grants Secret mounted yet (a store older than grants): no grant.
	if err := Execute([]string{"store-init", "--iam-dir", t.TempDir(), "--account", "upload=" + upload, "--grants-file", filepath.Join(t.TempDir(), "absent")}); err != nil {
		t.Fatalf("store-init without a grants file: %v", err)
	}
}
