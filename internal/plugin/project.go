package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// ProjectRecord is a funded project's submission record as the plugin
// shows it: its entries and where each stands, and its latest signed
// statement, verified when a fingerprint is pinned.
type ProjectRecord struct {
	ProjectID          string                   `json:"projectID"`
	Project            string                   `json:"project"`
	Ready              string                   `json:"ready"`
	Reason             string                   `json:"reason,omitempty"`
	Message            string                   `json:"message,omitempty"`
	AcceptanceDate     *time.Time               `json:"acceptanceDate,omitempty"`
	EntryCount         int32                    `json:"entryCount"`
	Received           int32                    `json:"received"`
	ReadyForAcceptance bool                     `json:"readyForAcceptance"`
	Entries            []scidatav1.ProjectEntry `json:"entries"`
	Statements         int                      `json:"statements"`
	Latest             *StatementCheck          `json:"latestStatement,omitempty"`
}

// StatementCheck is what was checked of the latest project statement.
type StatementCheck struct {
	Sequence int32     `json:"sequence"`
	IssuedAt time.Time `json:"issuedAt"`
	KeyID    string    `json:"keyID"`
	// Verified is true only when a fingerprint was pinned, the signature
	// verifies with the key the set holds under it, and the statement is
	// about this Project.
	Verified bool `json:"verified"`
	// Current is true when the statement names exactly the receipts the
	// project's entries have now.
	Current bool   `json:"current"`
	Error   string `json:"error,omitempty"`
}

// ErrStatementNotVerified is returned for a project statement that did not
// verify, so the command exits non-zero.
var ErrStatementNotVerified = errors.New("project statement not verified")

// ErrNoProject is returned when no Project records the id.
var ErrNoProject = errors.New("no Project records this project id")

// Project reads the Project of projectID (in the Center's namespace) and,
// when pinned is set, verifies its latest statement with the key the
// Center's published key set (or keySet, when given) holds under that
// fingerprint.
func Project(ctx context.Context, c client.Reader, projectID, pinned string, keySet []byte) (*ProjectRecord, error) {
	p, err := findProject(ctx, c, projectID)
	if err != nil {
		return nil, err
	}
	rec := &ProjectRecord{ProjectID: p.Status.ProjectID, Project: p.Namespace + "/" + p.Name, Ready: string(metav1.ConditionUnknown),
		EntryCount: p.Status.EntryCount, Received: p.Status.Received, ReadyForAcceptance: p.Status.ReadyForAcceptance,
		Entries: p.Status.Entries, Statements: len(p.Status.Statements)}
	if cond := meta.FindStatusCondition(p.Status.Conditions, scidatav1.ConditionReady); cond != nil {
		rec.Ready, rec.Reason, rec.Message = string(cond.Status), cond.Reason, cond.Message
	}
	if p.Status.AcceptanceDate != nil {
		t := p.Status.AcceptanceDate.UTC()
		rec.AcceptanceDate = &t
	}
	latest := submission.LatestStatement(p)
	if latest == nil {
		return rec, nil
	}
	rec.Latest = &StatementCheck{Sequence: latest.Sequence, IssuedAt: latest.IssuedAt.UTC(), KeyID: latest.KeyID,
		Current: submission.StatementCovers(latest, p.Status.Entries)}
	if pinned == "" {
		rec.Latest.Error = "give --fingerprint, the Center's key fingerprint obtained out of band"
		return rec, nil
	}
	// A statement that does not verify is part of the record, not a
	// failure to read it: the caller decides what it means.
	verr := verifyStatement(ctx, c, p, latest, pinned, keySet)
	rec.Latest.Verified = verr == nil
	if verr != nil {
		rec.Latest.Error = verr.Error()
	}
	return rec, nil
}

func findProject(ctx context.Context, c client.Reader, projectID string) (*scidatav1.Project, error) {
	var p scidatav1.Project
	err := c.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.ProjectName(projectID)}, &p)
	if err == nil && p.Status.ProjectID == projectID {
		return &p, nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("get the Project of %q: %w", projectID, err)
	}
	return nil, fmt.Errorf("%w: %q (Projects are in %s; kubectl get projects -n %s lists them)", ErrNoProject, projectID, platform.CenterNamespace, platform.CenterNamespace)
}

func verifyStatement(ctx context.Context, c client.Reader, p *scidatav1.Project, ps *scidatav1.ProjectStatement, pinned string, keySet []byte) error {
	if keySet == nil {
		var cm corev1.ConfigMap
		if err := c.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: platform.ReceiptKeysConfigMap}, &cm); err != nil {
			return fmt.Errorf("get the published key set %s/%s (or give --keyset, from the Center's portal): %w", platform.CenterNamespace, platform.ReceiptKeysConfigMap, err)
		}
		keySet = []byte(cm.Data[receipt.KeySetField])
	}
	set, err := receipt.ParseKeySet(keySet)
	if err != nil {
		return err
	}
	pub, err := set.Lookup(pinned)
	if err != nil {
		return err
	}
	st, err := receipt.VerifyStatement(receipt.Receipt{Payload: ps.Payload, Signature: ps.Signature, KeyID: ps.KeyID}, pinned, pub)
	if err != nil {
		return err
	}
	if st.ProjectID != p.Status.ProjectID || st.Project.Namespace != p.Namespace || st.Project.Name != p.Name || st.Project.UID != string(p.UID) || st.Sequence != ps.Sequence {
		return fmt.Errorf("the statement is genuine but about project %q (%s/%s, uid %s, statement %d), not this one",
			st.ProjectID, st.Project.Namespace, st.Project.Name, st.Project.UID, st.Sequence)
	}
	return nil
}

// PrintProject writes the record as text.
func PrintProject(w io.Writer, r *ProjectRecord) error {
	fmt.Fprintf(w, "PROJECT %s (%s)\n", r.ProjectID, r.Project)
	fmt.Fprintf(w, "READY %s %s", r.Ready, r.Reason)
	if r.Message != "" {
		fmt.Fprintf(w, ": %s", r.Message)
	}
	fmt.Fprintln(w)
	if r.AcceptanceDate != nil {
		fmt.Fprintf(w, "ACCEPTANCE DATE %s\n", r.AcceptanceDate.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "RECEIVED %d of %d; ready for acceptance: %v\n\nENTRIES (%d)\n", r.Received, r.EntryCount, r.ReadyForAcceptance, len(r.Entries))
	for _, e := range r.Entries {
		state := string(e.State)
		if state == "" {
			state = "NoSubmission"
		}
		fmt.Fprintf(w, "  %s/%s (department %s, version %s): %s\n", e.Namespace, e.Name, e.Department, e.ContentVersion, state)
	}
	fmt.Fprintf(w, "\nSTATEMENTS (%d)\n", r.Statements)
	if l := r.Latest; l != nil {
		verdict := "verified"
		if !l.Verified {
			verdict = "NOT verified: " + l.Error
		}
		current := "names the receipts the entries have now"
		if !l.Current {
			current = "older than the entries' receipts now"
		}
		fmt.Fprintf(w, "  latest: statement %d issued %s by key %s, %s; %s\n", l.Sequence, l.IssuedAt.Format(time.RFC3339), l.KeyID, verdict, current)
	}
	return nil
}
