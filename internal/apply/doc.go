// Package apply is how the operator writes the objects it makes. Owned
// objects are applied with server-side apply under one field manager, and
// only when the desired object differs from what that manager applied last
// (Ensure): an apply that changes nothing is still a PATCH, and a
// steady-state reconcile writes nothing. Generated material (credentials,
// the CA, the receipt signing key) is created once and never rewritten
// (CreateOnce).
package apply
