// Package apply applies owned objects with server-side apply under one
// field manager, and only when the desired object differs from what that
// manager applied last: an apply that changes nothing is still a PATCH, and
// a steady-state reconcile writes nothing.
package apply
