// Command bench measures the operator at a city's size on the machine's
// local cluster (hack/localcluster), and prints a table as its last lines:
//
//	go run ./hack/bench scale [flags]   # make bench-scale: simulated (KWOK) nodes
//	go run ./hack/bench city [flags]    # make bench-city: the real node
//
// scale brings up simulated nodes on the real control plane (queueing for
// the machine's one cluster, as the e2e does), installs config/default
// without the manager's Deployment, and runs the manager built from this
// checkout as a local process authenticated with a token of its own
// ServiceAccount, so that the generated RBAC, the admission policies and
// the apiserver's audit log see the manager as they would in a pod. KWOK
// binds no volumes: static PersistentVolumes of a class without a
// provisioner are made first, and Kubernetes' PV controller binds them;
// KWOK marks the pods Running and Ready, from which the store's and the
// portal's readiness follow. Then, in one run:
//
//   - the operator: the city (the Center and departments, 100 entries each
//     in a mix of sharing, embargo and classification, the sample city's
//     submission policy) is applied as GitOps would, and timed until every
//     platform is Ready (StorageReady included), every entry's status is
//     at its generation and shows its Submission, every covered entry's
//     Submission awaits review (the generated entries pass the policy's
//     metadata gates), every funded project's Project lists its entries
//     so, and the policy counts them all;
//   - the manager's writes, counted from the audit log under its own
//     identity (leader election's Lease and Event left out), by
//     convergence, in a steady window that lasts until every controller
//     has reconciled every object again (a full resync), and after a
//     restart until the new manager has reconciled everything once;
//   - the manager's RSS (from /proc) and Go heap (its metrics), reconcile
//     latency per controller (controller-runtime's histogram), and the
//     bytes etcd holds per object of each kind;
//   - the floor: with the manager stopped, a raw client (no client-side
//     rate limit, as many workers as the run had: the apply's and each
//     controller's) makes on the same apiserver the
//     run's writes and nothing else: the city, every object the manager
//     created (counted by kind from the audit log, copied from what the run
//     left, written as the manager's identity) and one write per object or
//     status the manager changed. The ratio operator / floor says what the
//     operator costs beyond its writes.
//
// city brings up the real node with the images `make image` builds,
// installs the operator as a user does (kubectl apply -k config/default),
// applies the Center and the 21 responsible departments the plan lists
// (small objectStore.resources and portal.resources) and times them to
// Ready, with the memory the node's processes and its pods use.
//
// The small scale run is a test (make test-scale): SCIDATA_SCALE=1 go test
// ./hack/bench -run TestScale. docs/scale.md says what each figure
// measures; docs/benchmarks.md records the figures of a full run.
package main
