package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// dnsManifests: the kube-dns Service at the fixed cluster DNS address, with
// no selector and one EndpointSlice naming the node IP, where CoreDNS runs
// as a host process. Policies see this endpoint as a host address (an
// ipBlock), as they would any host-network DNS.
func dnsManifests(c *Config) string {
	return kubeDNSManifests(c.DNSServiceIP, c.NodeIP, c.NodeName)
}

// kubeDNSManifests: the kube-dns Service at serviceIP and its one host
// endpoint at address (on node, when one runs there).
func kubeDNSManifests(serviceIP, address, node string) string {
	nodeName := ""
	if node != "" {
		nodeName = "\n  nodeName: " + node
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/name: CoreDNS
spec:
  clusterIP: %[1]s
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: localcluster.scidata.io
addressType: IPv4
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
endpoints:
- addresses: [%[2]q]
  conditions: {ready: true}%[3]s
`, serviceIP, address, nodeName)
}

// Simulated pods run nowhere and call nothing, but an operator that builds
// NetworkPolicies from the cluster DNS Service's and the kubernetes
// Service's endpoints (as scidata-operator does) needs both to exist. With
// --endpoint-reconciler-type=none the apiserver publishes no endpoints of
// its own (loopback cannot be one), so simulated mode publishes both as
// host endpoints at addresses of the documentation range 192.0.2.0/24
// (RFC 5737), which nothing on the machine answers.
const (
	simulatedDNSAddress       = "192.0.2.53"
	simulatedAPIServerAddress = "192.0.2.1"
)

// simulatedEndpointManifests: the kube-dns Service with a host endpoint,
// and an EndpointSlice for the kubernetes Service.
func simulatedEndpointManifests(c *Config) string {
	return kubeDNSManifests(c.DNSServiceIP, simulatedDNSAddress, "") + fmt.Sprintf(`---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes-simulated
  namespace: default
  labels:
    kubernetes.io/service-name: kubernetes
    endpointslice.kubernetes.io/managed-by: localcluster.scidata.io
addressType: IPv4
ports:
- {name: https, port: %[2]d, protocol: TCP}
endpoints:
- addresses: [%[1]q]
  conditions: {ready: true}
`, simulatedAPIServerAddress, c.APIServerPort)
}

// storageManifests: the default StorageClass and what local-path-provisioner
// reads: its namespace, the service account of its helper pods, and its
// ConfigMap (where volumes go, the setup and teardown scripts, and the
// helper pod, which runs the locally built busybox image).
func storageManifests(c *Config) string {
	cfg, _ := json.Marshal(map[string]any{
		"nodePathMap": []map[string]any{{
			"node":  "DEFAULT_PATH_FOR_NON_LISTED_NODES",
			"paths": []string{c.LocalPathDir()},
		}},
	})
	setup := "#!/bin/sh\nset -eu\nmkdir -m 0777 -p \"$VOL_DIR\"\n"
	teardown := "#!/bin/sh\nset -eu\nrm -rf \"$VOL_DIR\"\n"
	helper := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: helper-pod
spec:
  priorityClassName: system-node-critical
  tolerations:
  - {key: node.kubernetes.io/disk-pressure, operator: Exists, effect: NoSchedule}
  containers:
  - name: helper-pod
    image: %s
    imagePullPolicy: Never
`, c.BusyboxImage)
	return fmt.Sprintf(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: %s
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: v1
kind: Namespace
metadata:
  name: %s
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: %s
  namespace: %s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-path-config
  namespace: %s
data:
  config.json: '%s'
  setup: |
%s
  teardown: |
%s
  helperPod.yaml: |
%s
`, c.StorageProvName, localPathNamespace, localPathServiceAccount, localPathNamespace, localPathNamespace,
		string(cfg), indent(setup, "    "), indent(teardown, "    "), indent(helper, "    "))
}

// kwokNodeName is the name of the i-th simulated node.
func kwokNodeName(i int) string { return fmt.Sprintf("kwok-node-%d", i) }

// kwokNodeManifests: nodes that KWOK manages (by annotation), sized so
// that scale tests are limited by the control plane, not by capacity.
func kwokNodeManifests(c *Config) string {
	var b strings.Builder
	for i := 0; i < c.SimulatedNodes; i++ {
		if i > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, `apiVersion: v1
kind: Node
metadata:
  name: %[1]s
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: %[1]s
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    scidata.io/localcluster: "true"
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "250"}
  capacity: {cpu: "32", memory: 256Gi, pods: "250"}
`, kwokNodeName(i))
	}
	return b.String()
}

// kubectlApply applies manifests server-side under the tool's field manager.
func (cl *Cluster) kubectlApply(ctx context.Context, manifests string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cl.bin("kubectl"), "--kubeconfig", cl.kubeconfigFor("admin"), "--cache-dir", cl.path("kubectl-cache"),
		"apply", "--server-side", "--force-conflicts", "--field-manager=localcluster", "-f", "-")
	cmd.Stdin = strings.NewReader(manifests)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl apply: %w: %s", err, out.String())
	}
	return nil
}

// applyAddonObjects applies the DNS Service and the storage objects.
func (cl *Cluster) applyAddonObjects(ctx context.Context) error {
	return poll(ctx, 30*time.Second, "apply", func() error {
		return cl.kubectlApply(ctx, dnsManifests(&cl.Config)+"---\n"+storageManifests(&cl.Config))
	})
}

// applySimulatedEndpoints applies the DNS Service and both Services'
// placeholder endpoints of simulated mode.
func (cl *Cluster) applySimulatedEndpoints(ctx context.Context) error {
	return poll(ctx, 30*time.Second, "apply", func() error {
		return cl.kubectlApply(ctx, simulatedEndpointManifests(&cl.Config))
	})
}
