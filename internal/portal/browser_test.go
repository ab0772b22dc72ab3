package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// chromium finds Debian's chromium, installing it with apt-get when it is
// missing (the test setup the project documents; no browser is downloaded
// from anywhere else).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("chromium is missing and installing it needs root: run `apt-get install chromium` (Debian), then the tests")
	}
	install := func(args ...string) error {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return err
	}
	if install("install", "-y", "--no-install-recommends", "chromium") != nil {
		if install("update") != nil || install("install", "-y", "--no-install-recommends", "chromium") != nil {
			t.Fatal("could not install chromium with apt-get")
		}
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A person searches, filters, opens an entry and sees its citation, in a
// real headless browser with JavaScript doing nothing (the page has none).
func TestABrowserSearchesFiltersAndOpensAnEntry(t *testing.T) {
	srv, _ := portalFor(t, "")
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "flood"),
		chromedp.SetValue(chromedp.ID("department"), "water-resources"),
		chromedp.SetValue(chromedp.ID("sharing"), "Open"),
		chromedp.Click(chromedp.ID("go")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The form submits by a plain GET: wait, bounded, for the results page.
	testenv.Eventually(t, 20*time.Second, func() error {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return err
		}
		if !strings.Contains(loc, "q=flood") {
			return fmt.Errorf("still at %q", loc)
		}
		return nil
	})
	count, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("count")))
	if err != nil {
		t.Fatal(err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(count, "1 ") || !strings.Contains(html, "Hourly rainfall") || strings.Contains(html, "Flash flood model runs") {
		t.Fatalf("searching for flood among Open water entries found %q:\n%.3000s", count, html)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("ol.results li a")), chromedp.WaitVisible(chromedp.ID("citation"))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("title")))
	if err != nil {
		t.Fatal(err)
	}
	citation, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("citation")))
	if err != nil {
		t.Fatal(err)
	}
	if title != "Hourly rainfall at hydrological stations" || !strings.Contains(citation, "doi:10.12345/bz.rain") {
		t.Fatalf("entry page: title %q, citation %q", title, citation)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.ArtifactDir(), "entry.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the entry page: %s (%d bytes; run with -artifacts to keep it)", path, len(shot))
}
