// Command pause is the local cluster's pod sandbox process: the first
// process of every pod, holding its namespaces. It waits for SIGTERM or
// SIGINT and, being PID 1 of the pod's PID namespace when that is shared,
// reaps every child that exits so no zombie is left behind.
//
// It is the project's own, built into an image by hack/localcluster, so the
// node never needs a registry.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (scidata localcluster)")
		return
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s == syscall.SIGCHLD {
			reap()
			continue
		}
		reap()
		os.Exit(0)
	}
}

// reap collects every exited child without blocking.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
