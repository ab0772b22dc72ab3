// Package cluster runs a single-node Kubernetes cluster as host processes:
// the control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) and either a real node (containerd, CNI bridge, kubelet,
// kube-proxy, CoreDNS, kube-router's NetworkPolicy controller and
// local-path-provisioner) or simulated KWOK nodes.
//
// The layout follows kwokctl's binary runtime: one file per component
// (etcd.go, apiserver.go, controlplane.go for the controller-manager, the
// scheduler and KWOK, node.go for the node's components, addons.go for the
// objects they need) builds that component's flags and config files from
// one Config with pure functions (table-tested) and holds the function that
// starts it as a process whose PID, log and files live under the state
// directory (proc.go). Bringing a cluster up is kind's model: an ordered
// list of small actions, each printing a status line (cluster.go); so is
// putting the host back (Cleanup, cleanup.go), from the baseline that
// host.go records.
package cluster
