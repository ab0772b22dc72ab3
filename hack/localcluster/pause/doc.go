// Command pause is the local cluster's pod sandbox process: the first
// process of every pod, holding its namespaces. It waits for SIGTERM or
// SIGINT and, being PID 1 of the pod's PID namespace when that is shared,
// reaps every child that exits so no zombie is left behind.
//
// It is the project's own, built into an image by hack/localcluster, so the
// node never needs a registry.
package main
