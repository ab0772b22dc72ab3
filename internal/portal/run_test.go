package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// Run, what `scidata-operator portal` calls, becomes ready once its cache
// has synced, serves the catalog on its address, and stops cleanly.
func TestRunServesTheCatalogOnceItsCacheHasSynced(t *testing.T) {
	setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // also when the test fails early, so the apiserver can stop
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(ctx, env.Config, scheme.New(), portal.Options{Scope: portal.ScopeCity, Listen: addr, Platforms: true,
			Server: portal.Server{BaseURL: "http://" + addr, Title: "Catalog", Description: "Catalog", Publisher: "Center"}})
	}()
	testenv.Eventually(t, 30*time.Second, func() error {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("/readyz: %d %s", resp.StatusCode, b)
		}
		return nil
	})
	resp, err := http.Get("http://" + addr + "/api/v1/entries")
	if err != nil {
		t.Fatal(err)
	}
	var page portal.EntriesPage
	err = json.NewDecoder(resp.Body).Decode(&page)
	_ = resp.Body.Close()
	// Run uses the real clock; an embargoed entry is listed before and
	// after its date alike, so the count does not depend on today.
	if err != nil || page.Total != listed {
		t.Fatalf("the running portal lists %d entries (%v); want %d", page.Total, err, listed)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after its context ended", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop within 15s of its context ending")
	}
}
