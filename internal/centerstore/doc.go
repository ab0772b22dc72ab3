// Package centerstore is the manager's view of the Center's object store:
// it reads a submission's manifest back to hash it itself (a worker's
// termination message is a claim, not a proof) and stores the signed
// receipt beside it. TLS is verified against the operator's CA.
package centerstore
