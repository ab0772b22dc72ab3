// Package cityops builds the objects that people of the sample city apply
// with kubectl besides the project's own kinds: a Job that loads files into
// a platform's store from the platform's own namespace (the path the
// network design allows a department), the arguments of the operator's
// `objects` command inside it, and the RBAC and status patch by which a
// user reviews a department's Submissions.
//
// It lives under test/ because it is test support, not part of the
// operator: the end-to-end tests (test/e2e) prove what these objects do on
// a real node, and `make demo` (hack/demo) applies the very same objects,
// so the demo does only what the tests prove. Outside internal/, both may
// import it; the operator's own code never does.
package cityops
