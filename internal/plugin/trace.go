package plugin

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// Node is one object of a trace and what it is made of.
type Node struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Status is the object's state in a word or two (Ready True,
	// Received, Complete, Succeeded, ...).
	Status string `json:"status"`
	// Message says why, from the object's own status.
	Message  string `json:"message,omitempty"`
	Children []Node `json:"children,omitempty"`
}

// Trace follows an entry to its Submissions (by their entry label), each
// Submission to its sync Job (in the Center's namespace, by its recorded or
// deterministic name) and the Job's pods, and to its receipt; and to the
// AccessRequests for it, with their grants.
func Trace(ctx context.Context, c client.Reader, namespace, entry string) (*Node, error) {
	var e scidatav1.CatalogEntry
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: entry}, &e); err != nil {
		return nil, fmt.Errorf("get catalogentry %s/%s: %w", namespace, entry, err)
	}
	root := &Node{Kind: "CatalogEntry", Namespace: e.Namespace, Name: e.Name}
	root.Status, root.Message = conditionSummary(e.Status.Conditions)
	if sub := e.Status.Submission; sub != nil {
		root.Status += ", submission " + string(sub.State)
	}
	var subs scidatav1.SubmissionList
	if err := c.List(ctx, &subs, client.InNamespace(namespace), client.MatchingLabels{submission.LabelEntry: entry}); err != nil {
		return nil, fmt.Errorf("list submissions of %s: %w", entry, err)
	}
	sort.Slice(subs.Items, func(i, j int) bool {
		return subs.Items[i].CreationTimestamp.Before(&subs.Items[j].CreationTimestamp) ||
			(subs.Items[i].CreationTimestamp.Equal(&subs.Items[j].CreationTimestamp) && subs.Items[i].Name < subs.Items[j].Name)
	})
	for i := range subs.Items {
		n, err := traceSubmission(ctx, c, &subs.Items[i])
		if err != nil {
			return nil, err
		}
		root.Children = append(root.Children, *n)
	}
	grants, err := traceAccess(ctx, c, namespace, entry)
	if err != nil {
		return nil, err
	}
	root.Children = append(root.Children, grants...)
	return root, nil
}

// traceAccess is every AccessRequest for the entry, in any namespace,
// oldest first: its state, where the data is used, and when its grant
// ends or ended. A role that may not list AccessRequests everywhere sees
// one Unreadable node.
func traceAccess(ctx context.Context, c client.Reader, namespace, entry string) ([]Node, error) {
	var list scidatav1.AccessRequestList
	if err := c.List(ctx, &list); apierrors.IsForbidden(err) {
		return []Node{{Kind: "AccessRequest", Status: "Unreadable", Message: "you may not list AccessRequests in every namespace"}}, nil
	} else if err != nil {
		return nil, fmt.Errorf("list access requests: %w", err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		return list.Items[i].CreationTimestamp.Before(&list.Items[j].CreationTimestamp) ||
			(list.Items[i].CreationTimestamp.Equal(&list.Items[j].CreationTimestamp) && list.Items[i].Namespace+"/"+list.Items[i].Name < list.Items[j].Namespace+"/"+list.Items[j].Name)
	})
	var out []Node
	for _, ar := range list.Items {
		if ar.Spec.Entry.Namespace != namespace || ar.Spec.Entry.Name != entry {
			continue
		}
		n := Node{Kind: "AccessRequest", Namespace: ar.Namespace, Name: ar.Name, Status: string(scidatav1.AccessPending)}
		if ar.Status.State != nil {
			n.Status = string(*ar.Status.State)
		}
		_, why := conditionSummary(ar.Status.Conditions)
		n.Message = "use in " + ar.Spec.UseNamespace
		if g := ar.Status.Grant; g != nil {
			switch {
			case g.EndedAt != nil:
				n.Message += ", ended " + g.EndedAt.UTC().Format(time.RFC3339)
			case g.ExpiresAt != nil:
				n.Message += ", expires " + g.ExpiresAt.UTC().Format(time.RFC3339)
			}
		}
		n.Message += ". " + why
		out = append(out, n)
	}
	return out, nil
}

func traceSubmission(ctx context.Context, c client.Reader, s *scidatav1.Submission) (*Node, error) {
	n := &Node{Kind: "Submission", Namespace: s.Namespace, Name: s.Name, Status: string(submission.State(s))}
	_, n.Message = conditionSummary(s.Status.Conditions)
	n.Message = "version " + s.Spec.ContentVersion + ": " + n.Message
	jobName := submission.JobName(s)
	if t := s.Status.Transfer; t != nil && t.JobName != "" {
		jobName = t.JobName
	}
	var job batchv1.Job
	err := c.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: jobName}, &job)
	switch {
	case err == nil:
		jn, err := traceJob(ctx, c, &job)
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, *jn)
	case apierrors.IsForbidden(err):
		// An auditor's role reads the four kinds, not the Center's Jobs.
		n.Children = append(n.Children, Node{Kind: "Job", Namespace: platform.CenterNamespace, Name: jobName, Status: "Unreadable", Message: "you may not read Jobs in " + platform.CenterNamespace})
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("get job %s/%s: %w", platform.CenterNamespace, jobName, err)
	}
	if r := s.Status.Receipt; r != nil {
		rn := Node{Kind: "Receipt", Name: r.KeyID, Status: "Signed"}
		if t := s.Status.Transfer; t != nil {
			at := ""
			if t.CompletedAt != nil {
				at = " at " + t.CompletedAt.UTC().Format(time.RFC3339)
			}
			rn.Message = fmt.Sprintf("received%s: %d objects, %d bytes at %s, manifest %s; verify with kubectl scidata receipt verify %s -n %s --fingerprint <pinned>",
				at, t.Objects, t.Bytes, t.Destination, t.ManifestDigest, s.Name, s.Namespace)
		}
		n.Children = append(n.Children, rn)
	}
	return n, nil
}

func traceJob(ctx context.Context, c client.Reader, job *batchv1.Job) (*Node, error) {
	n := &Node{Kind: "Job", Namespace: job.Namespace, Name: job.Name, Status: "Running"}
	for _, cond := range job.Status.Conditions {
		if cond.Status == corev1.ConditionTrue && (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) {
			n.Status, n.Message = string(cond.Type), cond.Message
		}
	}
	n.Message = strings.TrimSpace(fmt.Sprintf("%d succeeded, %d failed. %s", job.Status.Succeeded, job.Status.Failed, n.Message))
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(job.Namespace), client.MatchingLabels{batchv1.JobNameLabel: job.Name}); apierrors.IsForbidden(err) {
		n.Children = append(n.Children, Node{Kind: "Pod", Namespace: job.Namespace, Status: "Unreadable", Message: "you may not list pods in " + job.Namespace})
		return n, nil
	} else if err != nil {
		return nil, fmt.Errorf("list pods of job %s: %w", job.Name, err)
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	for _, p := range pods.Items {
		pn := Node{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, Status: string(p.Status.Phase)}
		for _, cs := range p.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil {
				pn.Message = fmt.Sprintf("container %s exited %d", cs.Name, t.ExitCode)
				if t.Reason != "" {
					pn.Message += " (" + t.Reason + ")"
				}
			}
		}
		n.Children = append(n.Children, pn)
	}
	return n, nil
}

// conditionSummary is "Ready <status>" and the Ready condition's message.
func conditionSummary(conds []metav1.Condition) (string, string) {
	c := meta.FindStatusCondition(conds, scidatav1.ConditionReady)
	if c == nil {
		return "Ready Unknown", "not reconciled yet"
	}
	return "Ready " + string(c.Status), c.Reason + ": " + c.Message
}

// PrintTrace writes a trace as a tree.
func PrintTrace(w io.Writer, n *Node) error {
	var walk func(n *Node, prefix, branch string) error
	walk = func(n *Node, prefix, branch string) error {
		line := fmt.Sprintf("%s%s%s %s  %s", prefix, branch, n.Kind, qualified(n.Namespace, n.Name), n.Status)
		if n.Message != "" {
			line += ": " + n.Message
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
		childPrefix := prefix
		switch branch {
		case "├── ":
			childPrefix += "│   "
		case "└── ":
			childPrefix += "    "
		}
		for i := range n.Children {
			b := "├── "
			if i == len(n.Children)-1 {
				b = "└── "
			}
			if err := walk(&n.Children[i], childPrefix, b); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n, "", "")
}
