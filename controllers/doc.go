// Package controllers holds one reconciler per kind of the scidata.io API.
//
// Each reconciler follows one shape: fetch → patch helper → one deferred
// status write → deletion/finalizer → an ordered list of small steps sharing
// a scope. Owned objects are built by pure functions in internal/ and applied
// with server-side apply; no reconciler speaks HTTP.
package controllers
