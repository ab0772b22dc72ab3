package repo

import (
	"os"
	"path/filepath"
	"testing"
)

// From a directory deep inside the checkout, Root is the checkout; from a
// directory outside every checkout of the module, it says so.
func TestRootFindsTheCheckoutFromInsideOnly(t *testing.T) {
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Clean(filepath.Join(here, "..", ".."))
	t.Chdir(filepath.Join(want, "hack", "localcluster", "internal", "cluster"))
	if got, err := Root(); err != nil || got != want {
		t.Errorf("Root() = %q, %v; want %q", got, err, want)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(other)
	if got, err := Root(); err == nil {
		t.Errorf("Root() outside the checkout = %q; want an error", got)
	}
}
