// Command localcluster runs the project's local Kubernetes cluster as host
// processes, from binaries built by hack/build-k8s.sh and Debian packages:
//
//	go run ./hack/localcluster up [--mode real|simulated] [--load-image FILE]...
//	go run ./hack/localcluster status
//	go run ./hack/localcluster load-image FILE...
//	go run ./hack/localcluster down
//
// A real node (the default on Linux as root) runs pods in containerd;
// simulated nodes (KWOK) serve scale tests and hosts that cannot run a
// node. See docs/local-cluster.md.
package main
