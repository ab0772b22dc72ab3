package main

import (
	"context"
	"fmt"
	"github.com/scidata-io/scidata-operator/internal/repo"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/hack/localcluster/internal/cluster"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := root().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func root() *cobra.Command {
	cmd := &cobra.Command{
		Use:           "localcluster",
		Short:         "A local Kubernetes cluster of host processes: a real node or simulated (KWOK) nodes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.AddCommand(upCmd(), downCmd(), statusCmd(), loadImageCmd(), restartAPIServerCmd())
	return cmd
}

// repoRoot finds the module's root from the working directory upwards.
func repoRoot() (string, error) { return repo.Root() }

func binDir(root string) (string, error) {
	out, err := exec.Command(filepath.Join(root, "hack", "build-k8s.sh"), "--print-dir").Output()
	if err != nil {
		return "", fmt.Errorf("hack/build-k8s.sh --print-dir: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func upCmd() *cobra.Command {
	var mode, nodeIP string
	var images []string
	var nodes int
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Bring the cluster up (cleaning what a killed earlier run left)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root, err := repoRoot()
			if err != nil {
				return err
			}
			m, reason, err := cluster.HostMode(mode)
			if err != nil {
				return err
			}
			bin, err := binDir(root)
			if err != nil {
				return err
			}
			if m == cluster.ModeReal && nodeIP == "" {
				if nodeIP, err = cluster.DetectNodeIP(); err != nil {
					return fmt.Errorf("node IP: %w (set --node-ip)", err)
				}
			}
			cfg := cluster.Defaults(root, bin, m, cluster.NodeName(), nodeIP)
			cfg.SimulatedNodes = nodes
			if err := waitForMachine(cmd.Context(), cmd.OutOrStdout(), cfg.StateDir, wait); err != nil {
				return err
			}
			lock, err := cluster.AcquireLock()
			if err != nil {
				return err
			}
			defer lock.Release(false)
			cl := &cluster.Cluster{Config: cfg, Out: cmd.OutOrStdout(), Reason: reason, LoadImages: images}
			return cl.Up(cmd.Context(), lock)
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "", "real or simulated (default: real on Linux as root, else simulated)")
	cmd.Flags().StringArrayVar(&images, "load-image", nil, "an image tarball (OCI layout or docker save) to import into the node's containerd; repeatable")
	cmd.Flags().IntVar(&nodes, "nodes", 1, "how many KWOK nodes in simulated mode")
	cmd.Flags().StringVar(&nodeIP, "node-ip", "", "the node's IP (default: the address of the default route's interface)")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long while another command or another checkout's cluster holds the machine (0: fail at once)")
	return cmd
}

// waitForMachine queues behind whoever holds the machine's one cluster, up
// to limit, saying once what it waits for.
func waitForMachine(ctx context.Context, out io.Writer, stateDir string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	said := ""
	for {
		busy := cluster.Busy(stateDir)
		if busy == "" || limit <= 0 {
			return nil // up itself refuses, saying why, when limit is 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for the machine: %s", limit, busy)
		}
		if busy != said {
			fmt.Fprintf(out, "Waiting for the machine (up to %s): %s\n", limit, busy)
			said = busy
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// current is the configuration of the cluster recorded in the state
// directory, or a bare one naming the state directory when none is.
func current() (cluster.Config, bool, error) {
	root, err := repoRoot()
	if err != nil {
		return cluster.Config{}, false, err
	}
	bare := cluster.Defaults(root, "", "", "", "")
	st, err := cluster.LoadState(bare.StateDir)
	if err != nil {
		// None recorded, or none readable: down still cleans the state
		// directory the bare configuration names.
		return bare, false, nil //nolint:nilerr // no state is not an error here, and an unreadable one must not stop down
	}
	return cluster.ConfigFromState(root, st), true, nil
}

func downCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Stop the cluster and put the host back as up found it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := current()
			if err != nil {
				return err
			}
			lock, err := cluster.AcquireLock()
			if err != nil {
				return err
			}
			if o := lock.Owner(); o != nil && o.StateDir != cfg.StateDir {
				lock.Release(false)
				return fmt.Errorf("the machine's cluster belongs to %s: run down there", o.StateDir)
			}
			cl := &cluster.Cluster{Config: cfg, Out: cmd.OutOrStdout()}
			err = cl.Down()
			lock.Release(err == nil)
			return err
		},
	}
}

func statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Say what runs and what does not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := current()
			if err != nil {
				return err
			}
			return cluster.Status(cmd.Context(), cmd.OutOrStdout(), cfg.StateDir, cfg.RepoRoot)
		},
	}
}

func loadImageCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "load-image FILE...",
		Short: "Import image tarballs (OCI layout or docker save) into the running node's containerd",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, ok, err := current()
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("no cluster is up")
			}
			if cfg.Mode != cluster.ModeReal {
				return fmt.Errorf("the cluster runs simulated nodes: there is no containerd to load images into")
			}
			for _, f := range files {
				if err := cfg.ImportImage(f); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s\n", f)
			}
			return nil
		},
	}
}

func restartAPIServerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restart-apiserver",
		Short: "Stop kube-apiserver and start it again with the same arguments (a fault for tests), waiting for /readyz",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, ok, err := current()
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("no cluster is up")
			}
			cl := &cluster.Cluster{Config: cfg, Out: cmd.OutOrStdout()}
			stopped, down, err := cl.RestartAPIServer(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "kube-apiserver restarted: stopped in %.1fs, did not answer for %.1fs in all\n", stopped.Seconds(), down.Seconds())
			return nil
		},
	}
}
