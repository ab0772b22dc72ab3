// Package netwait waits for a TCP endpoint to accept connections. A pod's
// first connections can be refused for a moment after it starts: the
// NetworkPolicy enforcer admits a new pod's address only once it has seen
// the pod. Short-lived clients (the sync worker, and the objects command
// through s3client.Dial) wait here before their first request rather than
// fail on that window.
package netwait
