package plugin

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// CityStatus is the city at a glance.
type CityStatus struct {
	Platforms []PlatformStatus `json:"platforms"`
	// EntriesBySharing counts CatalogEntries by effective sharing (Unknown
	// before their first reconcile).
	EntriesBySharing map[string]int `json:"entriesBySharing"`
	// SubmissionsByState counts Submissions by state.
	SubmissionsByState map[string]int `json:"submissionsByState"`
	Overdue            []Overdue      `json:"overdue"`
	// Stalled lists every object a person must mend.
	Stalled []Problem `json:"stalled"`
	// Paused lists every object spec.suspend holds.
	Paused []Problem `json:"paused"`
}

// PlatformStatus is one platform's line.
type PlatformStatus struct {
	Name        string `json:"name"`
	Role        string `json:"role"`
	Department  string `json:"department"`
	Ready       string `json:"ready"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	Paused      bool   `json:"paused,omitempty"`
	Entries     int    `json:"entries"`
	Submissions int    `json:"submissions"`
}

// Overdue is a Submission past its deadline without a receipt.
type Overdue struct {
	Namespace      string      `json:"namespace"`
	Submission     string      `json:"submission"`
	Entry          string      `json:"entry"`
	ContentVersion string      `json:"contentVersion"`
	Deadline       metav1.Time `json:"deadline"`
	State          string      `json:"state"`
}

// Problem is an object and the condition that says what holds it.
type Problem struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
}

var (
	sharingOrder = []string{string(scidatav1.SharingOpen), string(scidatav1.SharingConditional), string(scidatav1.SharingClosed), "Unknown"}
	stateOrder   = []string{string(scidatav1.SubmissionPending), string(scidatav1.SubmissionAwaitingReview), string(scidatav1.SubmissionReturned), string(scidatav1.SubmissionTransferring),
		string(scidatav1.SubmissionAwaitingAcceptance), string(scidatav1.SubmissionReceived), string(scidatav1.SubmissionDenied), string(scidatav1.SubmissionFailed),
		string(scidatav1.SubmissionWithdrawn), string(scidatav1.SubmissionReferred)}
)

// Status reads the city: every DataPlatform, CatalogEntry,
// SubmissionPolicy and Submission, in every namespace the reader may list.
func Status(ctx context.Context, c client.Reader, now time.Time) (*CityStatus, error) {
	var (
		dps  scidatav1.DataPlatformList
		ces  scidatav1.CatalogEntryList
		sps  scidatav1.SubmissionPolicyList
		subs scidatav1.SubmissionList
	)
	for _, l := range []client.ObjectList{&dps, &ces, &sps, &subs} {
		if err := c.List(ctx, l); err != nil {
			return nil, fmt.Errorf("list %T: %w", l, err)
		}
	}
	st := &CityStatus{EntriesBySharing: map[string]int{}, SubmissionsByState: map[string]int{},
		Platforms: []PlatformStatus{}, Overdue: []Overdue{}, Stalled: []Problem{}, Paused: []Problem{}}
	for _, k := range sharingOrder {
		st.EntriesBySharing[k] = 0
	}
	for _, k := range stateOrder {
		st.SubmissionsByState[k] = 0
	}
	byNamespace := map[string]*PlatformStatus{}
	for _, dp := range dps.Items {
		p := PlatformStatus{Name: dp.Name, Role: string(dp.Spec.Role), Department: dp.Spec.Department.Code, Ready: "Unknown", Paused: dp.Spec.Suspend}
		if c := meta.FindStatusCondition(dp.Status.Conditions, scidatav1.ConditionReady); c != nil {
			p.Ready, p.Reason, p.Message = string(c.Status), c.Reason, c.Message
		}
		st.Platforms = append(st.Platforms, p)
		st.note("DataPlatform", dp.ObjectMeta, dp.Status.Conditions)
	}
	sort.Slice(st.Platforms, func(i, j int) bool { return st.Platforms[i].Name < st.Platforms[j].Name })
	for i := range st.Platforms {
		byNamespace[scidatav1.NamespacePrefix+st.Platforms[i].Name] = &st.Platforms[i]
	}
	for _, e := range ces.Items {
		sharing := string(e.Status.EffectiveSharing)
		if sharing == "" {
			sharing = "Unknown"
		}
		st.EntriesBySharing[sharing]++
		if p := byNamespace[e.Namespace]; p != nil {
			p.Entries++
		}
		st.note("CatalogEntry", e.ObjectMeta, e.Status.Conditions)
	}
	for _, p := range sps.Items {
		st.note("SubmissionPolicy", p.ObjectMeta, p.Status.Conditions)
	}
	for i := range subs.Items {
		s := &subs.Items[i]
		state := string(submission.State(s))
		st.SubmissionsByState[state]++
		if p := byNamespace[s.Namespace]; p != nil {
			p.Submissions++
		}
		if submission.Overdue(s, now) {
			st.Overdue = append(st.Overdue, Overdue{Namespace: s.Namespace, Submission: s.Name, Entry: s.Spec.Entry.Name,
				ContentVersion: s.Spec.ContentVersion, Deadline: *s.Spec.Deadline, State: state})
		}
		st.note("Submission", s.ObjectMeta, s.Status.Conditions)
	}
	sort.Slice(st.Overdue, func(i, j int) bool { return st.Overdue[i].Deadline.Before(&st.Overdue[j].Deadline) })
	return st, nil
}

// note records an object's Stalled and ReconciliationPaused conditions.
func (st *CityStatus) note(kind string, m metav1.ObjectMeta, conds []metav1.Condition) {
	if c := meta.FindStatusCondition(conds, scidatav1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		st.Stalled = append(st.Stalled, Problem{Kind: kind, Namespace: m.Namespace, Name: m.Name, Reason: c.Reason, Message: c.Message})
	}
	if c := meta.FindStatusCondition(conds, scidatav1.ConditionReconciliationPaused); c != nil && c.Status == metav1.ConditionTrue {
		st.Paused = append(st.Paused, Problem{Kind: kind, Namespace: m.Namespace, Name: m.Name, Reason: c.Reason, Message: c.Message})
	}
}

// PrintStatus writes the city's status as text.
func PrintStatus(w io.Writer, st *CityStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PLATFORMS (%d)\n", len(st.Platforms))
	fmt.Fprintln(tw, "NAME\tROLE\tDEPARTMENT\tREADY\tREASON\tENTRIES\tSUBMISSIONS\tPAUSED")
	for _, p := range st.Platforms {
		paused := ""
		if p.Paused {
			paused = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Name, p.Role, p.Department, p.Ready, p.Reason, p.Entries, p.Submissions, paused)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nENTRIES BY SHARING   %s\n", counts(st.EntriesBySharing, sharingOrder))
	fmt.Fprintf(w, "SUBMISSIONS BY STATE %s\n", counts(st.SubmissionsByState, stateOrder))
	fmt.Fprintf(w, "\nOVERDUE (%d)\n", len(st.Overdue))
	for _, o := range st.Overdue {
		fmt.Fprintf(w, "  Submission %s/%s (entry %s, version %s): %s, deadline %s\n", o.Namespace, o.Submission, o.Entry, o.ContentVersion, o.State, o.Deadline.UTC().Format(time.RFC3339))
	}
	for _, l := range []struct {
		title string
		list  []Problem
	}{{"STALLED", st.Stalled}, {"PAUSED", st.Paused}} {
		fmt.Fprintf(w, "\n%s (%d)\n", l.title, len(l.list))
		for _, p := range l.list {
			fmt.Fprintf(w, "  %s %s: %s: %s\n", p.Kind, qualified(p.Namespace, p.Name), p.Reason, p.Message)
		}
	}
	return nil
}

func counts(m map[string]int, order []string) string {
	parts := make([]string, 0, len(m))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, "  ")
}

func qualified(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}
