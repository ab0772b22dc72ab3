// Package pki keeps the operator's certificate authority and issues the
// serving certificates of the platforms' object stores, so that every
// client (the sync Jobs, the manager, the store's own sidecar, the objects
// command) verifies the store it talks to: the plan asks for secure
// transmission.
package pki
