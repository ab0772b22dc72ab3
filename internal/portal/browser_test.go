package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scidata-io/scidata-operator/internal/portal"
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

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A person searches, filters, opens an entry and sees its citation, in a
// real headless browser with JavaScript doing nothing (the page has none).
func TestABrowserSearchesFiltersAndOpensAnEntry(t *testing.T) {
	srv, _ := portalFor(t, "")
	ctx := browser(t)
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
	screenshot(ctx, t, "entry")
}

func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the %s page: %s (%d bytes; run with -artifacts to keep it)", name, path, len(shot))
}

type box struct{ Left, Top, Right, Bottom float64 }

func (b box) within(o box) bool {
	const slack = 0.5 // sub-pixel rounding
	return b.Left >= o.Left-slack && b.Top >= o.Top-slack && b.Right <= o.Right+slack && b.Bottom <= o.Bottom+slack
}

// The labels each scorecard chart draws, as the browser rendered them.
const chartLabels = `[...document.querySelectorAll("section.card")].map(sec => {
  const svg = sec.querySelector("svg"), box = e => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  return {id: sec.id, svg: box(svg), labels: [...svg.querySelectorAll("text")].map(t => ({
    class: t.getAttribute("class") || "", area: t.dataset.area || "", text: t.textContent, box: box(t), width: t.getComputedTextLength()}))};
})`

type renderedChart struct {
	ID     string `json:"id"`
	SVG    box    `json:"svg"`
	Labels []struct {
		Class, Area, Text string
		Box               box
		Width             float64
	} `json:"labels"`
}

// Every figure and label of the scorecard's charts, per department and
// per platform, is drawn whole inside its SVG (a score of 100 once lost
// its last digit to the SVG's width), and each figure drawn is the one the
// JSON scorecard gives, or "n/a" where it gives none.
func TestABrowserDrawsEveryScorecardFigureWhole(t *testing.T) {
	srv, _ := portalFor(t, "")
	ctx := browser(t)
	for _, page := range []struct{ html, json string }{{"/scorecard", "/api/v1/scorecard"}, {"/scorecard/platforms", "/api/v1/scorecard/platforms"}} {
		var sc portal.ScorecardsJSON
		getJSON(t, srv, page.json, &sc)
		cards := append(sc.Departments, sc.Platforms...)
		want := map[string]map[string]int{}
		for _, c := range cards {
			want[c.ID()] = c.Scores
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+page.html), chromedp.WaitVisible(chromedp.CSS("section.card svg"))); err != nil {
			t.Fatal(err)
		}
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]renderedChart](chartLabels))
		if err != nil {
			t.Fatal(err)
		}
		hundreds, values, notApplicable := 0, 0, 0
		for _, c := range charts {
			for _, l := range c.Labels {
				if l.Width <= 0 || !l.Box.within(c.SVG) {
					t.Errorf("%s %s: label %q (%s) is drawn at %+v, %.1f wide, outside its SVG %+v", page.html, c.ID, l.Text, l.Class, l.Box, l.Width, c.SVG)
				}
				if l.Class != "value" {
					continue
				}
				values++
				if fig, ok := want[c.ID][l.Area]; !ok && l.Text != "n/a" || ok && l.Text != strconv.Itoa(fig) {
					t.Errorf("%s %s: %s is drawn as %q; the scorecard says %d (has a figure: %v)", page.html, c.ID, l.Area, l.Text, fig, ok)
				}
				if l.Text == "n/a" {
					notApplicable++
				}
				if l.Text == "100" {
					hundreds++
				}
			}
		}
		if len(charts) != len(cards) || len(cards) == 0 || values != len(cards)*len(portal.Areas) || hundreds == 0 || notApplicable == 0 {
			t.Fatalf("%s: %d charts with %d figures, %d of them 100 and %d n/a; want one chart per unit (%d), every area, a 100 and an n/a to draw",
				page.html, len(charts), values, hundreds, notApplicable, len(cards))
		}
	}
	screenshot(ctx, t, "scorecard")
}
