package cluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func controllerManagerArgs(c *Config) []string {
	kc := c.kubeconfigFor("kube-controller-manager")
	return []string{
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--secure-port=10257",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + c.path("pki", "sa.key"),
		// Without it no kube-root-ca.crt ConfigMap appears and no pod's
		// service-account volume ever mounts.
		"--root-ca-file=" + c.path("pki", "ca.crt"),
		"--cluster-signing-cert-file=" + c.path("pki", "ca.crt"),
		"--cluster-signing-key-file=" + c.path("pki", "ca.key"),
		"--service-cluster-ip-range=" + c.ServiceCIDR,
		"--allocate-node-cidrs=false",
		"--controllers=*,bootstrapsigner,tokencleaner",
		"--profiling=false",
		"--v=1",
	}
}

func schedulerArgs(c *Config) []string {
	kc := c.kubeconfigFor("kube-scheduler")
	return []string{
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--secure-port=10259",
		"--leader-elect=false",
		"--profiling=false",
		"--v=1",
	}
}

// startControllers starts kube-controller-manager and kube-scheduler and
// waits for both /healthz.
func (cl *Cluster) startControllers(ctx context.Context) error {
	if _, err := cl.startProcess("kube-controller-manager", cl.bin("kube-controller-manager"), controllerManagerArgs(&cl.Config), nil); err != nil {
		return err
	}
	if _, err := cl.startProcess("kube-scheduler", cl.bin("kube-scheduler"), schedulerArgs(&cl.Config), nil); err != nil {
		return err
	}
	if err := cl.waitHTTP(ctx, "kube-controller-manager", "https://127.0.0.1:10257/healthz", 60*time.Second); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "kube-scheduler", "https://127.0.0.1:10259/healthz", 60*time.Second)
}

// kwokArgs: KWOK manages the nodes annotated as fake and the pods bound to
// them, with its default (fast) node and pod stages.
func kwokArgs(c *Config) []string {
	return []string{
		"--kubeconfig=" + c.kubeconfigFor("kwok"),
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-lease-duration-seconds=40",
		"--server-address=127.0.0.1:10247",
		"--cidr=" + c.PodCIDR,
		"--node-ip=" + "127.0.0.1",
	}
}

// startKwok starts KWOK, makes its nodes and waits for them to be Ready.
func (cl *Cluster) startKwok(ctx context.Context) error {
	if _, err := cl.startProcess("kwok", cl.bin("kwok"), kwokArgs(&cl.Config), nil); err != nil {
		return err
	}
	if err := cl.kubectlApply(ctx, kwokNodeManifests(&cl.Config)); err != nil {
		return err
	}
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	return poll(ctx, 60*time.Second, "KWOK nodes Ready", func() error {
		if err := cl.exited("kwok"); err != nil {
			return err
		}
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return err
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready < cl.SimulatedNodes {
			return fmt.Errorf("%d of %d nodes Ready", ready, cl.SimulatedNodes)
		}
		return nil
	})
}
