package cluster

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
