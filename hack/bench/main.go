package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	// The harness's own clients and informers log only their errors.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "scale":
		err = scaleMain(ctx, os.Args[2:])
	case "city":
		err = cityMain(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./hack/bench scale|city [flags] (see hack/bench/doc.go)")
	os.Exit(2)
}

func scaleMain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scale", flag.ExitOnError)
	o := scaleOptions{Out: os.Stdout, Floor: true}
	fs.IntVar(&o.Platforms, "platforms", 100, "platforms: the Center and platforms-1 departments")
	fs.IntVar(&o.EntriesPerPlatform, "entries-per-platform", 100, "CatalogEntries of each platform")
	fs.IntVar(&o.Workers, "workers", 8, "the manager's --max-concurrent-reconciles, and the workers of the apply and of the floor")
	fs.DurationVar(&o.SyncPeriod, "sync-period", 2*time.Minute, "the restarted manager's --sync-period: the steady window lasts until its first full resync")
	fs.DurationVar(&o.Quiet, "quiet", time.Minute, "how long the first manager is watched after convergence")
	fs.IntVar(&o.Nodes, "nodes", 4, "KWOK nodes")
	fs.DurationVar(&o.Wait, "wait", 20*time.Minute, "how long to queue for the machine's cluster")
	fs.DurationVar(&o.ConvergeTimeout, "converge-timeout", time.Hour, "how long the city may take to converge")
	fs.BoolVar(&o.Floor, "floor", true, "measure the floor after the operator")
	fs.StringVar(&o.Profile, "profile", "", "a directory for the manager's CPU profile (the first 60 s of the apply) and heap profile (at convergence)")
	extra := fs.String("manager-flags", "", "further manager flags, space-separated")
	_ = fs.Parse(args)
	o.ManagerFlags = strings.Fields(*extra)
	res, err := runScale(ctx, o)
	if res != nil && err == nil {
		res.table(os.Stdout)
	}
	return err
}
