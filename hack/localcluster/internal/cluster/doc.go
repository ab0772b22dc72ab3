// Package cluster runs a single-node Kubernetes cluster as host processes:
// the control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) and either a real node (containerd, CNI bridge, kubelet,
// kube-proxy, CoreDNS, kube-router's NetworkPolicy controller and
// local-path-provisioner) or simulated KWOK nodes.
//
// The layout follows kwokctl's binary runtime: one file per component that
// builds that component's flags and config files from one Config with pure
// functions (table-tested), and starts it as a process whose PID, log and
// files live under the state directory. Bringing a cluster up is kind's
// model: an ordered list of small actions, each printing a status line.
package cluster
