package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// dataset is sample data a department loads for one of its entries in
// config/samples, and the reviewer who approves its submission.
type dataset struct {
	department, entry, prefix, version, reviewer string
	files                                        map[string]string
}

var datasets = []dataset{
	{"science-technology", "selenium-tea-field-trials", "agronomy/selenium-tea-trials/", "2025.11", "reviewer@science-technology", map[string]string{
		"plots.csv":  "plot,county,cultivar,leaf_se_mg_kg\nNJ-01,Nanjiang,Fuding,0.41\nNJ-02,Nanjiang,Micang,0.52\nTJ-01,Tongjiang,Fuding,0.38\n",
		"soil.csv":   "plot,soil_se_mg_kg,ph\nNJ-01,0.92,5.4\nNJ-02,1.10,5.1\nTJ-01,0.87,5.6\n",
		"README.txt": "Selenium uptake field trials in tea plantations, 2023-2025 (sample data).\n",
	}},
	{"water-resources", "hourly-rainfall-hydrological-stations", "hydrology/rainfall/hourly/", "2024.12", "reviewer@water-resources", map[string]string{
		"stations.csv":      "station,name,lat,lon\n60101,Bazhong,31.87,106.75\n60102,Enyang,31.79,106.63\n",
		"rainfall-2024.csv": "station,time,mm\n60101,2024-07-10T03:00Z,12.4\n60101,2024-07-10T04:00Z,27.9\n60102,2024-07-10T04:00Z,18.1\n",
		"README.txt":        "Hourly rainfall at hydrological stations (sample data).\n",
	}},
}

// images are loaded into the node: the operator's and the object store's.
var images = []string{"bin/images/scidata-operator.tar", "bin/images/scidata-objectstore.tar"}

type demo struct {
	root, kubectl, kubeconfig string
	out                       *os.File
}

func main() {
	exitAfter := flag.Bool("exit", false, "stop once the city is shown and the portal answers, leaving the node up (make demo-down stops it)")
	port := flag.Int("port", 8080, "local port for the Center's portal (0: any free port)")
	flag.Parse()
	d := &demo{out: os.Stdout}
	if err := d.run(*exitAfter, *port); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "demo: "+format+"\n", args...)
}

// step is one stage of the demo; each is idempotent.
type step struct {
	name string
	run  func(ctx context.Context) error
}

func (d *demo) run(exitAfter bool, port int) error {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return fmt.Errorf("the demo runs in real mode, which needs Linux and root (this is %s, uid %d): its pods must really run, "+
			"copy bytes and be stopped by NetworkPolicies, and the simulated mode (KWOK) runs no pods; see docs/local-cluster.md", runtime.GOOS, os.Geteuid())
	}
	d.say("mode real: Linux as root, so a real node (kubelet, containerd, CNI, kube-router) runs on this machine")
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	d.root = wd
	dir, err := d.cmd("", "hack/build-k8s.sh", "--print-dir")
	if err != nil {
		return err
	}
	d.kubectl = filepath.Join(strings.TrimSpace(dir), "kubectl")
	d.kubeconfig = filepath.Join(d.root, ".local", "kubeconfig")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	if !exitAfter {
		// Registered before up: Ctrl-C while the node comes up stops it too.
		defer d.down()
	}
	steps := []step{
		{"the node", d.node},
		{"the operator", d.operator},
		{"the sample city", d.city},
		{"the platforms", d.waitPlatforms},
		{"the data", d.loadAll},
		{"the reviews", d.approveAll},
		{"the Center's acceptance", d.acceptAll},
		{"the receipts", d.waitReceipts},
		{"the city's objects", d.show},
	}
	for _, s := range steps {
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	d.say("the city converged in %s", time.Since(started).Round(time.Second))
	if err := d.portal(ctx, port, exitAfter); err != nil {
		return fmt.Errorf("the portal: %w", err)
	}
	if exitAfter {
		d.say("--exit: the node stays up; `make demo-down` stops it (KUBECONFIG=%s)", d.kubeconfig)
	}
	return nil
}

func (d *demo) down() {
	d.say("stopping the node: go run ./hack/localcluster down")
	if err := d.stream("go", "run", "./hack/localcluster", "down"); err != nil {
		fmt.Fprintln(os.Stderr, "demo: localcluster down:", err)
	}
}
