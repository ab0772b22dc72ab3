package controllers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/centerstore"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
	"github.com/scidata-io/scidata-operator/internal/submission"
	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

// SecrecyChannel is the channel the secrecy rules prescribe for classified
// data a center is not cleared to hold: it never goes over the city's
// network to that center.
const SecrecyChannel = "the secrecy channel (机要渠道): hand the data over on a classified carrier by confidential courier (机要交通), or over a classified network the secrecy authority approved, to a center cleared for its level"

// referral refers a Submission of data above the Center's clearance to
// the secrecy channel: Referred True, and Stalled (a person carries the
// data), so no deadline runs against it and no Job is made. It lifts
// itself when the Center is cleared for the level.
func referral(s *scidatav1.Submission, center *scidatav1.DataPlatform, now time.Time) error {
	c := submissionConditions(s, now)
	if submission.CenterClears(center, s) {
		c.Remove(scidatav1.ConditionReferred)
		return nil
	}
	msg := fmt.Sprintf("the data is %s and the Center is cleared only up to %s: it is not synced over the network; submit it through %s",
		s.Spec.Classification, platform.MaxClassification(center), SecrecyChannel)
	c.Set(scidatav1.ConditionReferred, metav1.ConditionTrue, scidatav1.ReasonSecrecyChannel, msg)
	return reconcilekit.Stalled(scidatav1.ReasonSecrecyChannel, msg)
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// recordDataGates runs the data gates on what the Center's store holds
// after the transfer and records them; a failure is Stalled, with no
// receipt.
//   - Checksums: the worker verified every object's SHA-256 (it exits
//     non-zero otherwise), the manifest read back is the one it reported,
//     and every manifest entry carries a SHA-256.
//   - ObjectsPresent: every object the manifest lists is in the Center's
//     store under the destination, at its size.
func recordDataGates(ctx context.Context, s *scidatav1.Submission, store centerstore.Store, dest string, m syncer.Manifest, claim syncer.Summary) error {
	checks := scidatav1.GateResult{Name: scidatav1.GateChecksums, Phase: scidatav1.GateData, Passed: claim.ExitCode == 0,
		Message: fmt.Sprintf("the worker verified the SHA-256 of %d objects and the manifest read back is the one it wrote", len(m.Objects))}
	for _, o := range m.Objects {
		if !hexSHA256.MatchString(o.SHA256) {
			checks.Passed, checks.Message = false, fmt.Sprintf("manifest entry %s has no SHA-256", o.Path)
			break
		}
	}
	present := scidatav1.GateResult{Name: scidatav1.GateObjectsPresent, Phase: scidatav1.GateData, Passed: true,
		Message: fmt.Sprintf("all %d objects of the manifest are in the Center's store at %s, at their sizes", len(m.Objects), dest)}
	lister, ok := store.(centerstore.Lister)
	if !ok {
		present.Passed, present.Message = false, "the Center's store cannot list its objects"
	} else {
		sizes, err := lister.Sizes(ctx, dest)
		if err != nil {
			return fmt.Errorf("list the Center's store: %w", err)
		}
		for _, o := range m.Objects {
			if got, ok := sizes[dest+o.Path]; !ok || got != o.Size {
				present.Passed = false
				present.Message = fmt.Sprintf("%s%s is not in the Center's store at %d bytes (found %v, %d bytes)", dest, o.Path, o.Size, ok, got)
				break
			}
		}
	}
	setGates(s, scidatav1.GateData, []scidatav1.GateResult{checks, present})
	for _, g := range []scidatav1.GateResult{checks, present} {
		if !g.Passed {
			return reconcilekit.Stalledf(scidatav1.ReasonDataGateFailed, "data gate %s failed: %s; no receipt is issued", g.Name, g.Message)
		}
	}
	return nil
}

// setGates replaces the results of one phase.
func setGates(s *scidatav1.Submission, phase scidatav1.GatePhase, results []scidatav1.GateResult) {
	kept := slices.DeleteFunc(slices.Clone(s.Status.Gates), func(g scidatav1.GateResult) bool { return g.Phase == phase })
	s.Status.Gates = append(kept, results...)
}

// receiptPayload is what the receipt attests: the transfer as verified,
// the department's reviewer, the gates passed and the curator.
func receiptPayload(s *scidatav1.Submission, now time.Time) receipt.Payload {
	t := s.Status.Transfer
	p := receipt.Payload{
		Submission: receipt.Ref{Namespace: s.Namespace, Name: s.Name, UID: string(s.UID)},
		Entry:      receipt.Ref{Namespace: s.Namespace, Name: s.Spec.Entry.Name, UID: s.Spec.EntryUID},
		Department: s.Spec.Department, ContentVersion: s.Spec.ContentVersion, Destination: t.Destination,
		ManifestDigest: t.ManifestDigest, Objects: t.Objects, Bytes: t.Bytes, ReceivedAt: now.UTC().Truncate(time.Second),
		Gates: submission.Passed(s.Status.Gates),
	}
	if rv := s.Status.Review; rv != nil && rv.Decision == scidatav1.ReviewApproved {
		p.Reviewer = &receipt.Actor{By: rv.By, At: rv.At.Time}
	}
	if a := s.Status.Acceptance; a != nil {
		p.Curator = &receipt.Actor{By: a.By, At: a.At.Time}
	}
	return p
}
