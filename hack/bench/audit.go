package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// auditEvent is the part of an apiserver audit event (audit.k8s.io/v1,
// Metadata level) that counting writes needs.
type auditEvent struct {
	Verb string `json:"verb"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
		APIVersion  string `json:"apiVersion"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// writeVerbs are the verbs that may change an object.
var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true, "apply": true}

// resourceRef names a resource with its group and version, as the audit
// log names it ("" group: core).
type resourceRef struct{ Group, Version, Resource string }

func (r resourceRef) String() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

// objectKey is one object, or one subresource of it.
type objectKey struct {
	Ref             resourceRef
	Subresource     string
	Namespace, Name string
}

// writeCounts are one identity's write requests in a stretch of the audit
// log: how many per resource, subresource and verb, which objects it
// created and which (sub)resources it changed.
type writeCounts struct {
	// Requests counts every write request, by "resource[/subresource] verb".
	Requests map[string]int
	// Failed counts the requests that the apiserver refused (conflicts
	// included), by the same key.
	Failed map[string]int
	// Created are the objects created, by resource.
	Created map[resourceRef][]objectKey
	// Changed are the objects (or subresources) changed by update or
	// patch, each once, in the order first seen.
	Changed []objectKey
	Deleted int
	// Skipped counts the requests left out (leader election's).
	Skipped int
	changed map[objectKey]bool
}

// skipFunc says which writes to leave out of a count.
type skipFunc func(resource, namespace, name string) bool

// leaderElection leaves out what the manager's leader election writes: its
// Lease, renewed every few seconds, and the Event that says who leads or
// stopped leading. Neither is a reconcile's write. The Event a stopping
// manager sends as it releases the Lease can be cut off by its exit ("client
// disconnected"); the audit then names no object, so an Event created
// without a name in the operator's namespace, where the manager records no
// other Event, is that one.
func leaderElection(resource, namespace, name string) bool {
	const id = "scidata-operator.scidata.io"
	return namespace == operatorNamespace && ((resource == "leases" && name == id) || (resource == "events" && (name == "" || strings.HasPrefix(name, id+"."))))
}

func (w *writeCounts) total() int {
	n := 0
	for _, v := range w.Requests {
		n += v
	}
	return n
}

func (w *writeCounts) failed() int {
	n := 0
	for _, v := range w.Failed {
		n += v
	}
	return n
}

// auditTail reads an audit log from an offset on, so that each stretch of
// a run is counted from where the last one ended.
type auditTail struct {
	path   string
	offset int64
}

// mark moves the tail to the end of the log as it stands.
func (t *auditTail) mark() error {
	fi, err := os.Stat(t.path)
	if err != nil {
		return err
	}
	t.offset = fi.Size()
	return nil
}

// count reads the log from the tail's offset to its end (whole lines only)
// and counts user's writes, leaving out those skip says. The tail moves to
// where it stopped.
func (t *auditTail) count(user string, skip skipFunc) (*writeCounts, error) {
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(t.offset, io.SeekStart); err != nil {
		return nil, err
	}
	w, n, err := countWrites(f, user, skip)
	t.offset += n
	return w, err
}

// countWrites counts user's write requests in audit lines read from r,
// and returns how many bytes of whole lines it read.
func countWrites(r io.Reader, user string, skip skipFunc) (*writeCounts, int64, error) {
	w := &writeCounts{Requests: map[string]int{}, Failed: map[string]int{}, Created: map[resourceRef][]objectKey{}, changed: map[objectKey]bool{}}
	br := bufio.NewReaderSize(r, 1<<20)
	var read int64
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return w, read, nil // a partial last line is read next time
		}
		if err != nil {
			return w, read, err
		}
		read += int64(len(line))
		if !bytes.Contains(line, []byte(user)) {
			continue
		}
		var ev auditEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return w, read, fmt.Errorf("audit line: %w", err)
		}
		if ev.User.Username != user || !writeVerbs[ev.Verb] || ev.ObjectRef == nil {
			continue
		}
		w.note(&ev, skip)
	}
}

// note counts one write request of the user's.
func (w *writeCounts) note(ev *auditEvent, skip skipFunc) {
	o := ev.ObjectRef
	if skip != nil && skip(o.Resource, o.Namespace, o.Name) {
		w.Skipped++
		return
	}
	ref := resourceRef{Group: o.APIGroup, Version: o.APIVersion, Resource: o.Resource}
	key := ref.String()
	if o.Subresource != "" {
		key += "/" + o.Subresource
	}
	key += " " + ev.Verb
	w.Requests[key]++
	code := 0
	if ev.ResponseStatus != nil {
		code = ev.ResponseStatus.Code
	}
	if code >= 300 {
		w.Failed[key]++
		return
	}
	k := objectKey{Ref: ref, Subresource: o.Subresource, Namespace: o.Namespace, Name: o.Name}
	if ref.Group == "" && ref.Resource == "namespaces" {
		k.Namespace = "" // the audit names a Namespace as its own namespace
	}
	switch {
	case code == 201 && o.Subresource == "":
		// Created, by a create or by a server-side apply (a patch)
		// of an object that did not exist.
		if o.Name == "" {
			return // a create with a generated name that the audit does not show
		}
		w.Created[ref] = append(w.Created[ref], k)
	case code == 201:
		// A subresource created (a token, a binding): counted above.
	case ev.Verb == "delete" || ev.Verb == "deletecollection":
		w.Deleted++
	default:
		if !w.changed[k] {
			w.changed[k] = true
			w.Changed = append(w.Changed, k)
		}
	}
}

// byResource lists the request counts, largest first, as "n key" lines.
func (w *writeCounts) byResource() []string {
	keys := make([]string, 0, len(w.Requests))
	for k := range w.Requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if w.Requests[keys[i]] != w.Requests[keys[j]] {
			return w.Requests[keys[i]] > w.Requests[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		s := fmt.Sprintf("%d %s", w.Requests[k], k)
		if f := w.Failed[k]; f > 0 {
			s += fmt.Sprintf(" (%d refused)", f)
		}
		out = append(out, s)
	}
	return out
}

// summary is "0" or "n (a, b, ...)" for a table cell.
func (w *writeCounts) summary(max int) string {
	if w.total() == 0 {
		return "0"
	}
	lines := w.byResource()
	if len(lines) > max {
		lines = append(lines[:max], "…")
	}
	return fmt.Sprintf("%d (%s)", w.total(), strings.Join(lines, "; "))
}
