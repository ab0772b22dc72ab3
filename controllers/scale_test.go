package controllers

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/submission"
)

// cityOf is n funded entries, each of a project of its own, with their
// Submissions awaiting review.
func cityOf(n int) []submission.Covered {
	out := make([]submission.Covered, n)
	for i := range out {
		e := fundedEntry("scidata-city", fmt.Sprintf("dataset-%05d", i), "v1", fmt.Sprintf("BZ-2026-%05d", i))
		out[i] = submission.Covered{Entry: e, Submission: &scidatav1.Submission{Spec: scidatav1.SubmissionSpec{ReviewRequired: true, ContentVersion: "v1"}}}
	}
	return out
}

// A city of 1,000 funded projects breaks no status: what the policy
// controller computes for a policy covering them is the same size as for
// ten (projects are Projects of their own, not a list in the policy), and
// the real apiserver stores it; a Project at its bounds (64 entries, eight
// statements of 64 entries, names at their longest) is stored too. Both are written as dry runs,
// which the apiserver validates in full, beside the running manager.
func TestAThousandFundedProjectsBreakNoStatus(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	statusOf := func(n int) scidatav1.SubmissionPolicyStatus {
		p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Generation: 1}, Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true)}}
		covered := cityOf(n)
		setPolicyStatus(p, now, len(covered), submission.Summarize(covered, now), nil)
		return p.Status
	}
	size := func(st scidatav1.SubmissionPolicyStatus) int {
		b, _ := json.Marshal(st)
		return len(b)
	}
	small, city := statusOf(10), statusOf(1000)
	if city.SelectedEntries != 1000 || city.Counts.AwaitingReview != 1000 || size(city)-size(small) > 16 {
		t.Fatalf("the status of a policy over 1,000 projects is %d bytes, over 10 %d: it grows with the city", size(city), size(small))
	}
	const ns = "scidata-thousand-works"
	ensureNS(t, ns, nil)
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "all-projects"},
		Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true), Selector: metav1.LabelSelector{MatchLabels: map[string]string{"none": "none"}}}}
	create(t, p)
	eventually(t, "the apiserver stores the status of a policy over 1,000 projects", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
			return err
		}
		live.Status = city
		return env.Client.Status().Update(ctx, &live, client.DryRunAll)
	})
	if !meta.IsStatusConditionTrue(city.Conditions, scidatav1.ConditionReady) {
		t.Errorf("the policy over 1,000 projects is not Ready: %+v", city.Conditions)
	}

	// A Project at its bounds.
	ensureNS(t, platform.CenterNamespace, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelCenter})
	pr := &scidatav1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: "bounds-" + submission.ProjectName("BZ-BOUNDS")}}
	create(t, pr)
	full := scidatav1.ProjectStatus{ProjectID: "BZ-BOUNDS", EntryCount: submission.MaxProjectEntries}
	for i := 0; i < submission.MaxProjectEntries; i++ {
		full.Entries = append(full.Entries, scidatav1.ProjectEntry{Namespace: "scidata-" + strings.Repeat("d", 55), Name: fmt.Sprintf("%s-%03d", strings.Repeat("e", 200), i),
			Department: strings.Repeat("d", 40), ContentVersion: strings.Repeat("v", 63), State: scidatav1.SubmissionReceived, Submission: strings.Repeat("s", 253), ReceiptDigest: receipt.Digest([]byte{byte(i)})})
	}
	key := ed25519Key(t)
	for seq := int32(1); seq <= submission.MaxStatements; seq++ {
		st := submission.StatementFor(pr, full.Entries, seq, now)
		signed, err := receipt.SignStatement(key, st)
		if err != nil {
			t.Fatal(err)
		}
		full.Statements = append(full.Statements, scidatav1.ProjectStatement{Sequence: seq, IssuedAt: metav1.NewTime(now.Truncate(time.Second)), Payload: signed.Payload, Signature: signed.Signature, KeyID: signed.KeyID})
	}
	eventually(t, "the apiserver stores a Project at its bounds", func() error {
		var live scidatav1.Project
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(pr), &live); err != nil {
			return err
		}
		live.Status = full
		return env.Client.Status().Update(ctx, &live, client.DryRunAll)
	})
}

func ed25519Key(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
