// Command demo runs the sample city on a real local node, end to end:
//
//	make demo        # builds what it needs, then: go run ./hack/demo
//	make demo-down   # stops the node and undoes its host changes
//
// It brings up the node with the operator's and the object store's images
// loaded (or loads them into the node already up), installs the operator
// from config/default as a user would, applies the sample city
// (config/samples) and shows which platforms are Ready and why the others
// are not. Then two departments load data into their stores from their own
// namespaces, a reviewer of each approves the Submission that the Center's
// policy made, sync Job pods copy the bytes into the Center, and signed
// receipts appear. It prints `kubectl get` of every kind, forwards the
// Center's portal to a local URL, checks that it answers, and waits;
// Ctrl-C stops the forward and the node. With --exit it stops right after
// that check, leaving the node up (make demo-down stops it).
//
// Every step is idempotent, so the demo can run again on a city that is
// already up: a load whose Job completed is not repeated (a failed one is
// run again), a Submission already approved is left as it is, one denied
// is reported, and each wait ends as soon as what it waits for holds. Every
// error a step meets is printed, each time it changes, also while the step
// tries again; a wait that runs out says the last error it saw.
//
// It drives the cluster only with kubectl and the objects of test/cityops,
// the same ones the end-to-end tests apply, so the demo does only what the
// tests prove.
package main
