package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/s3test"
	"github.com/scidata-io/scidata-operator/internal/storeboot"
	"github.com/scidata-io/scidata-operator/internal/storetest"
)

// The access city: access-user asks for Conditional entries of
// access-owner, to use them in its own platform namespace.
const (
	accessOwner = "access-owner"
	accessUser  = "access-user"
)

func conditionalEntry(ns, name string) *scidatav1.CatalogEntry {
	return &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title: name, Description: name, Subject: "Hydrology", DataTypes: []scidatav1.DataType{scidatav1.DataTypeTable},
			ResponsibleDepartment: scidatav1.Department{Code: accessOwner, Name: "Owner"},
			ProvidingDepartment:   scidatav1.Provider{Name: "Survey"},
			Data:                  scidatav1.DataLocation{Prefix: "data-" + name, ContentVersion: "v1"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingConditional, Conditions: "research use, cited"},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationInternal},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessOffline},
		},
	}
}

func newAccessRequest(ns, name, entryNS, entry string) *scidatav1.AccessRequest {
	return &scidatav1.AccessRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.AccessRequestSpec{
			Entry:           scidatav1.AccessEntryReference{Namespace: entryNS, Name: entry},
			UseNamespace:    ns,
			Purpose:         scidatav1.AccessPurpose{Category: scidatav1.PurposePublicInterestResearch, Description: "Selenium in groundwater."},
			Requester:       scidatav1.Requester{User: "alice@" + accessUser, Name: "Alice", Qualification: "Soil scientist."},
			Safeguards:      "Kept in the platform's namespace.",
			DurationSeconds: 7200,
		},
	}
}

func getAccess(t *testing.T, ar *scidatav1.AccessRequest) *scidatav1.AccessRequest {
	t.Helper()
	var live scidatav1.AccessRequest
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(ar), &live); err != nil {
		t.Fatal(err)
	}
	return &live
}

// waitAccess waits for ar to be in state, with the conditions of a
// completed pass, and returns it.
func waitAccess(t *testing.T, ar *scidatav1.AccessRequest, state scidatav1.AccessState) *scidatav1.AccessRequest {
	t.Helper()
	var live *scidatav1.AccessRequest
	eventually(t, ar.Name+" "+string(state), func() error {
		live = getAccess(t, ar)
		if got := ptr.Deref(live.Status.State, ""); got != state {
			return fmt.Errorf("state %q, conditions %+v", got, live.Status.Conditions)
		}
		if ptr.Deref(live.Status.ObservedGeneration, 0) != live.Generation {
			return fmt.Errorf("observedGeneration %d of %d", ptr.Deref(live.Status.ObservedGeneration, 0), live.Generation)
		}
		return nil
	})
	return live
}

func accessCondition(ar *scidatav1.AccessRequest, typ string) *metav1.Condition {
	return meta.FindStatusCondition(ar.Status.Conditions, typ)
}

// reviewAccess writes a reviewer's decision about the current spec, as the
// reviewer does through the status subresource (the policies that guard
// it are tested by impersonation in test/policy).
func reviewAccess(t *testing.T, ar *scidatav1.AccessRequest, d scidatav1.AccessDecision, seconds *int32) {
	t.Helper()
	live := &scidatav1.AccessRequest{}
	live.Namespace, live.Name = ar.Namespace, ar.Name
	setStatus(t, live, func() {
		rv := &scidatav1.AccessReview{Decision: d, By: "dora@" + accessOwner, At: ptr.To(metav1.Now()), Generation: live.Generation, DurationSeconds: seconds}
		if d != scidatav1.AccessDecisionApproved {
			rv.Note = ptr.To("state how the data is deleted")
		}
		live.Status.Review = rv
	})
}

// activate approves ar and completes its check Job: the request is Active
// only once the check ran. envtest runs no pod, so the test reports the
// Job done as the Job controller and the kubelet would, with the result
// grant-check writes (the check itself is proven on a real versitygw in
// internal/access: check_test.go); the code waits on it, so this is the
// only way to Active here.
func activate(t *testing.T, ar *scidatav1.AccessRequest, seconds *int32) *scidatav1.AccessRequest {
	t.Helper()
	reviewAccess(t, ar, scidatav1.AccessDecisionApproved, seconds)
	job := waitCheckJob(t, ar)
	// The Job is made before the pass writes the status: wait for it.
	eventually(t, "Approved while its check runs", func() error {
		live := getAccess(t, ar)
		if got := ptr.Deref(live.Status.State, ""); got != scidatav1.AccessApproved {
			return fmt.Errorf("state %q", got)
		}
		if c := accessCondition(live, scidatav1.ConditionReconciling); c == nil || c.Reason != scidatav1.ReasonCheckingGrant {
			return fmt.Errorf("Reconciling %+v, want %s", c, scidatav1.ReasonCheckingGrant)
		}
		if c := accessCondition(live, scidatav1.ConditionReady); c == nil || c.Status == metav1.ConditionTrue {
			return fmt.Errorf("Ready before the check: %+v", c)
		}
		return nil
	})
	completeJob(t, job, 0, checkPassed)
	live := waitAccess(t, ar, scidatav1.AccessActive)
	if c := accessCondition(live, scidatav1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonGranted {
		t.Errorf("Ready of an Active grant: %+v", c)
	}
	return live
}

// checkPassed is what grant-check reports of a read-only grant.
var checkPassed = access.CheckResult{Listed: 2, Read: "data-x/a.csv", WriteRefused: true, OutsideRefused: true, Tries: 1}.Summary()

// waitCheckJob waits for the grant's check Job and returns it.
func waitCheckJob(t *testing.T, ar *scidatav1.AccessRequest) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	eventually(t, "the grant's check Job", func() error {
		return env.Client.Get(context.Background(), types.NamespacedName{Namespace: ar.Spec.UseNamespace, Name: access.CheckJobName(access.GrantID(ar.Namespace, ar.Name))}, &job)
	})
	return &job
}

// grantsFile is the owner's store's grants, as its bootstrap sidecar reads
// them from the mounted Secret.
func grantsFile(t *testing.T, owner *scidatav1.DataPlatform) []storeboot.FileGrant {
	t.Helper()
	var sec corev1.Secret
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: platform.Namespace(owner), Name: platform.GrantsSecretName}, &sec); err != nil {
		t.Fatal(err)
	}
	lines, err := storeboot.ParseGrants(sec.Data[storeboot.GrantsFile])
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// grantObjects lists what the grant id made in the namespaces of use and
// of the owner: Secrets, NetworkPolicies and Jobs, as "Kind ns/name".
func grantObjects(t *testing.T, id string, namespaces ...string) []string {
	t.Helper()
	var out []string
	for _, ns := range namespaces {
		for kind, list := range map[string]client.ObjectList{"Secret": &corev1.SecretList{}, "NetworkPolicy": &networkingv1.NetworkPolicyList{}, "Job": &batchv1.JobList{}} {
			if err := env.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{scidatav1.LabelAccessGrant: id}); err != nil {
				t.Fatal(err)
			}
			items, _ := meta.ExtractList(list)
			for _, o := range items {
				out = append(out, kind+" "+ns+"/"+o.(client.Object).GetName())
			}
		}
	}
	return out
}

// assertInForce checks what an Active grant made: the credential in the
// namespace of use (the store's line holds the same keys), the network
// path on both sides, and the line in the owner's grants Secret that
// expires with the grant.
func assertInForce(t *testing.T, ar *scidatav1.AccessRequest, owner *scidatav1.DataPlatform) {
	t.Helper()
	ctx := context.Background()
	g := ar.Status.Grant
	var sec corev1.Secret
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ar.Spec.UseNamespace, Name: g.SecretName}, &sec); err != nil {
		t.Fatalf("the grant's Secret: %v", err)
	}
	if string(sec.Data[access.KeyPrefix]) != g.Prefix || !strings.HasSuffix(g.Prefix, "/") || len(sec.Data[access.KeyCA]) == 0 ||
		string(sec.Data[access.KeyEndpoint]) != ptr.Deref(g.Endpoint, "") {
		t.Errorf("the grant's Secret holds prefix %q, endpoint %q (grant %q, %q), CA %d bytes", sec.Data[access.KeyPrefix], sec.Data[access.KeyEndpoint], g.Prefix, ptr.Deref(g.Endpoint, ""), len(sec.Data[access.KeyCA]))
	}
	for _, ns := range []string{ar.Spec.UseNamespace, platform.Namespace(owner)} {
		var np networkingv1.NetworkPolicy
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: access.PolicyName(g.ID)}, &np); err != nil {
			t.Errorf("the grant's NetworkPolicy in %s: %v", ns, err)
		}
	}
	var line *storeboot.FileGrant
	for _, l := range grantsFile(t, owner) {
		if l.ID == g.ID {
			line = &l
		}
	}
	switch {
	case line == nil:
		t.Errorf("the owner's grants Secret has no line for %s", g.ID)
	case line.Access != string(sec.Data[access.KeyAccess]) || line.Secret != string(sec.Data[access.KeySecret]) || line.Prefix != g.Prefix || !line.Expires.Equal(g.ExpiresAt.Time):
		t.Errorf("the store's line %+v is not the grant's (prefix %s, expires %s, the Secret's keys)", *line, g.Prefix, g.ExpiresAt)
	case ptr.Deref(g.StoreAccount, "") != line.Access:
		t.Errorf("status.grant.storeAccount %q, the store's account %q", ptr.Deref(g.StoreAccount, ""), line.Access)
	}
}

// assertNothingLeft checks that an ended grant left nothing: no Secret, no
// NetworkPolicy, no Job in either namespace, no line in the store's grants
// (so the sidecar deletes the account and its policy statements), and
// that status says when and why it ended.
func assertNothingLeft(t *testing.T, ar *scidatav1.AccessRequest, owner *scidatav1.DataPlatform, reason string) {
	t.Helper()
	g := ar.Status.Grant
	if left := grantObjects(t, g.ID, ar.Spec.UseNamespace, platform.Namespace(owner)); len(left) > 0 {
		t.Errorf("the ended grant left %v", left)
	}
	if platform.Managed(owner) {
		for _, l := range grantsFile(t, owner) {
			if l.ID == g.ID {
				t.Errorf("the owner's grants Secret still holds the ended grant %+v", l)
			}
		}
	}
	if g.EndedAt == nil {
		t.Error("status.grant.endedAt is not set")
	}
	last := ar.Status.History[len(ar.Status.History)-1]
	if last.State != ptr.Deref(ar.Status.State, "") || last.Reason != reason {
		t.Errorf("the last transition is %+v, want %s with reason %s", last, ptr.Deref(ar.Status.State, ""), reason)
	}
	if c := accessCondition(ar, scidatav1.ConditionReady); c == nil || c.Status != metav1.ConditionFalse || c.Reason != reason {
		t.Errorf("Ready of an ended grant: %+v, want False %s", c, reason)
	}
	if c := accessCondition(ar, scidatav1.ConditionProvisioned); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Provisioned of an ended grant: %+v", c)
	}
}

// Every transition of an AccessRequest against the real apiserver, in one
// city of two departments: a request returned for rework re-opens when its
// spec changes; an approval becomes a grant (the credential in the
// namespace of use, the network path, the store's line) that is Active
// once checked; it ends at its exact expiry on the manager's clock, on a
// reviewer's revocation, on withdrawal, and when its entry becomes Closed;
// after each end nothing of it is left. A second request for the same
// entry and namespace of use is Stalled naming the first, and goes on by
// itself once the first is withdrawn.
func TestAccessRequestTransitions(t *testing.T) {
	ctx := context.Background()
	owner := readyDepartment(t, accessOwner, nil)
	user := readyDepartment(t, accessUser, nil)
	ownerNS, userNS := platform.Namespace(owner), platform.Namespace(user)
	for _, name := range []string{"wells", "rivers", "springs", "lakes", "tides"} {
		create(t, conditionalEntry(ownerNS, name))
	}

	t.Run("returned, edited, pending again, then granted and revoked by a reviewer", func(t *testing.T) {
		ar := newAccessRequest(userNS, "wells-study", ownerNS, "wells")
		create(t, ar)
		live := waitAccess(t, ar, scidatav1.AccessPending)
		if c := accessCondition(live, scidatav1.ConditionReconciling); c == nil || c.Reason != scidatav1.ReasonAwaitingReview {
			t.Errorf("a new request: Reconciling %+v, want %s", c, scidatav1.ReasonAwaitingReview)
		}
		reviewAccess(t, ar, scidatav1.AccessDecisionReturned, nil)
		live = waitAccess(t, ar, scidatav1.AccessReturned)
		if c := accessCondition(live, scidatav1.ConditionStalled); c == nil || c.Reason != scidatav1.ReasonReturned {
			t.Errorf("a returned request: Stalled %+v, want %s", c, scidatav1.ReasonReturned)
		}

		patch := client.MergeFrom(live.DeepCopy())
		live.Spec.Safeguards = "Kept in the platform's namespace; deleted when the study ends."
		if err := env.Client.Patch(ctx, live, patch); err != nil {
			t.Fatal(err)
		}
		live = waitAccess(t, ar, scidatav1.AccessPending)
		if live.Status.Review != nil {
			t.Errorf("the decision about the earlier spec stays: %+v", live.Status.Review)
		}
		if h := live.Status.History[len(live.Status.History)-1]; h.Reason != scidatav1.ReasonReopened {
			t.Errorf("re-opened with %+v, want %s", h, scidatav1.ReasonReopened)
		}
		if live.Status.Grant != nil || len(grantObjects(t, access.GrantID(ar.Namespace, ar.Name), userNS, ownerNS)) > 0 {
			t.Error("a request never approved made a grant")
		}

		live = activate(t, ar, nil)
		assertInForce(t, live, owner)
		if live.Status.Grant.Fee.Charge != scidatav1.ChargeFree || ptr.Deref(live.Status.Approvers, "") != "dora@"+accessOwner {
			t.Errorf("grant fee %+v, approvers %q", live.Status.Grant.Fee, ptr.Deref(live.Status.Approvers, ""))
		}
		var states []scidatav1.AccessState
		for _, h := range live.Status.History {
			states = append(states, h.State)
		}
		if got := fmt.Sprint(states); got != "[Pending Returned Pending Approved Active]" {
			t.Errorf("history %s", got)
		}

		setStatus(t, live, func() {
			live.Status.Revocation = &scidatav1.AccessRevocation{By: "dora@" + accessOwner, At: ptr.To(metav1.Now()), Reason: "the study's safeguards were breached"}
		})
		live = waitAccess(t, ar, scidatav1.AccessRevoked)
		assertNothingLeft(t, live, owner, scidatav1.ReasonRevokedByReviewer)
	})

	t.Run("expires at the exact instant on the manager's clock", func(t *testing.T) {
		ar := newAccessRequest(userNS, "rivers-study", ownerNS, "rivers")
		create(t, ar)
		waitAccess(t, ar, scidatav1.AccessPending)
		// The reviewer grants one minute of the two hours asked for.
		live := activate(t, ar, ptr.To[int32](60))
		g := live.Status.Grant
		if d := g.ExpiresAt.Sub(g.ApprovedAt.Time); d != time.Minute {
			t.Fatalf("granted %s, the reviewer gave a minute", d)
		}
		assertInForce(t, live, owner)
		// Two seconds before the expiry the grant is in force; after the
		// pass the poke wakes, nothing but the requeue the controller sets
		// for the instant ends it.
		jumpTo(t, g.ExpiresAt.Add(-2*time.Second))
		poke(t, live)
		if got := getAccess(t, ar); ptr.Deref(got.Status.State, "") != scidatav1.AccessActive {
			t.Fatalf("two seconds before its expiry the grant is %q", ptr.Deref(got.Status.State, ""))
		}
		live = waitAccess(t, ar, scidatav1.AccessExpired)
		last := live.Status.History[len(live.Status.History)-1]
		if !last.At.Equal(g.ExpiresAt) || !live.Status.Grant.EndedAt.Equal(g.ExpiresAt) {
			t.Errorf("expired at %s (ended %s), the grant expires at %s", last.At, live.Status.Grant.EndedAt, g.ExpiresAt)
		}
		assertNothingLeft(t, live, owner, scidatav1.ReasonExpired)
	})

	t.Run("withdrawn by the requesting side", func(t *testing.T) {
		ar := newAccessRequest(userNS, "springs-study", ownerNS, "springs")
		create(t, ar)
		waitAccess(t, ar, scidatav1.AccessPending)
		live := activate(t, ar, nil)
		assertInForce(t, live, owner)
		// A pass over a grant in force changes nothing and writes nothing.
		eventually(t, "the check Job deleted", func() error {
			return gone(env.Client.Get(ctx, types.NamespacedName{Namespace: userNS, Name: access.CheckJobName(live.Status.Grant.ID)}, &batchv1.Job{}))
		})
		before, w0 := reconcilesOf(t, "accessrequest"), writes.Load()
		poke(t, live)
		eventually(t, "a pass after the poke", func() error {
			if reconcilesOf(t, "accessrequest") <= before {
				return fmt.Errorf("no reconcile yet")
			}
			return nil
		})
		if got := writes.Load() - w0; got != 0 {
			t.Errorf("a pass over a grant in force made %d write requests; want 0", got)
		}
		activeGrants := func(want *int32) func() error {
			return func() error {
				var e scidatav1.CatalogEntry
				if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ownerNS, Name: "springs"}, &e); err != nil {
					return err
				}
				if !ptr.Equal(e.Status.ActiveGrants, want) {
					return fmt.Errorf("status.activeGrants %v, want %v", ptr.Deref(e.Status.ActiveGrants, 0), ptr.Deref(want, 0))
				}
				return nil
			}
		}
		eventually(t, "the entry counts the grant", activeGrants(ptr.To[int32](1)))
		withdraw(t, getAccess(t, ar), "the study ended early")
		live = waitAccess(t, ar, scidatav1.AccessWithdrawn)
		assertNothingLeft(t, live, owner, scidatav1.ReasonWithdrawn)
		eventually(t, "the entry counts no grant", activeGrants(nil))
	})

	t.Run("revoked when the entry becomes Closed", func(t *testing.T) {
		ar := newAccessRequest(userNS, "lakes-study", ownerNS, "lakes")
		create(t, ar)
		waitAccess(t, ar, scidatav1.AccessPending)
		live := activate(t, ar, nil)
		assertInForce(t, live, owner)
		entry := &scidatav1.CatalogEntry{ObjectMeta: metav1.ObjectMeta{Namespace: ownerNS, Name: "lakes"}}
		if err := env.Client.Patch(ctx, entry, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"sharing":{"mode":"Closed"}}}`))); err != nil {
			t.Fatal(err)
		}
		live = waitAccess(t, ar, scidatav1.AccessRevoked)
		assertNothingLeft(t, live, owner, scidatav1.ReasonEntryClosed)
		if live.Status.Entry == nil || live.Status.Entry.Sharing != scidatav1.SharingClosed {
			t.Errorf("status.entry %+v does not record the entry Closed", live.Status.Entry)
		}
	})

	t.Run("a failed check opens nothing, and deleting its Job checks again", func(t *testing.T) {
		create(t, conditionalEntry(ownerNS, "ponds"))
		ar := newAccessRequest(userNS, "ponds-study", ownerNS, "ponds")
		create(t, ar)
		waitAccess(t, ar, scidatav1.AccessPending)
		reviewAccess(t, ar, scidatav1.AccessDecisionApproved, nil)
		job := waitCheckJob(t, ar)
		completeJob(t, job, 1, access.CheckResult{Listed: 0, Tries: 12, Error: "Access Denied"}.Summary())
		id := access.GrantID(ar.Namespace, ar.Name)
		var live *scidatav1.AccessRequest
		eventually(t, "Stalled on the failed check", func() error {
			live = getAccess(t, ar)
			if c := accessCondition(live, scidatav1.ConditionStalled); c == nil || c.Reason != scidatav1.ReasonGrantCheckFailed || !strings.Contains(c.Message, "delete Job") {
				return fmt.Errorf("Stalled %+v, want %s", c, scidatav1.ReasonGrantCheckFailed)
			}
			return nil
		})
		// Nothing stays open: no network path, no line in the store (so no
		// account: the Secret left for the next check opens nothing). The
		// failed Job stays as the evidence.
		left := grantObjects(t, id, userNS, ownerNS)
		slices.Sort(left)
		if want := []string{"Job " + userNS + "/" + access.CheckJobName(id), "Secret " + userNS + "/" + access.SecretName(id)}; !slices.Equal(left, want) {
			t.Errorf("a grant that failed its check left %v, want %v", left, want)
		}
		for _, l := range grantsFile(t, owner) {
			if l.ID == id {
				t.Errorf("a grant that failed its check is in the store's grants: %+v", l)
			}
		}
		// As a person asks for a new check; envtest runs no garbage
		// collector, so the test deletes the Job's pod as it would.
		if err := env.Client.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(userNS), client.MatchingLabels{batchv1.JobNameLabel: job.Name}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a new check Job", func() error {
			var j batchv1.Job
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(job), &j); err != nil {
				return err
			}
			if j.UID == job.UID {
				return fmt.Errorf("still the failed Job")
			}
			return nil
		})
		completeJob(t, waitCheckJob(t, ar), 0, checkPassed)
		live = waitAccess(t, ar, scidatav1.AccessActive)
		assertInForce(t, live, owner)
	})

	t.Run("an External store's grant waits for the storage team's account", func(t *testing.T) {
		city := s3test.Start(t)
		writer := s3test.Account{Access: "fens-writer", Secret: "fens-writer-secret-0123456789"}
		reader := s3test.Account{Access: "fens-center-read", Secret: "fens-center-read-secret-0123456789"}
		storetest.VersityBucket(t, city, "fens-data", writer, reader)
		names := storetest.CreateExternalSecrets(t, env.Client, operatorNamespace, "fens", city, writer, reader)
		ext := newPlatform("access-fens", scidatav1.RoleDepartment, "access-fens")
		ext.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: &scidatav1.ExternalObjectStore{
			Endpoint: "https://" + city.Endpoint, Bucket: "fens-data",
			CredentialsSecret:           scidatav1.SecretKeyReference{Name: names.Writer},
			CenterReadCredentialsSecret: &scidatav1.SecretKeyReference{Name: names.Reader},
			CASecret:                    &scidatav1.SecretKeyReference{Name: names.CA},
			Network:                     &scidatav1.ExternalStoreNetwork{CIDRs: []string{"127.0.0.1/32"}},
		}}
		create(t, ext)
		deleteAtEnd(t, ext)
		makePortalReady(t, getPlatform(t, ext.Name))
		ext = waitReady(t, ext.Name)
		extNS := platform.Namespace(ext)
		create(t, conditionalEntry(extNS, "fens"))
		ar := newAccessRequest(userNS, "fens-study", extNS, "fens")
		create(t, ar)
		waitAccess(t, ar, scidatav1.AccessPending)
		reviewAccess(t, ar, scidatav1.AccessDecisionApproved, nil)
		id := access.GrantID(ar.Namespace, ar.Name)
		team := StorageTeamSecret(id)
		eventually(t, "waiting for the storage team", func() error {
			live := getAccess(t, ar)
			c := accessCondition(live, scidatav1.ConditionReconciling)
			if ptr.Deref(live.Status.State, "") != scidatav1.AccessApproved || c == nil || c.Reason != scidatav1.ReasonAwaitingStoreAccount ||
				!strings.Contains(c.Message, operatorNamespace+"/"+team) || !strings.Contains(c.Message, "fens-data/data-fens/") {
				return fmt.Errorf("state %q, Reconciling %+v", ptr.Deref(live.Status.State, ""), c)
			}
			return nil
		})
		if left := grantObjects(t, id, userNS, extNS); len(left) > 0 {
			t.Errorf("before the storage team's account the grant made %v", left)
		}
		// The operator reads the storage team's Secrets uncached and looks
		// again after a while; the poke spares the test that wait.
		storetest.PutSecret(t, env.Client, operatorNamespace, team, storetest.AccountData(reader))
		poke(t, getAccess(t, ar))
		completeJob(t, waitCheckJob(t, ar), 0, checkPassed)
		live := waitAccess(t, ar, scidatav1.AccessActive)
		var sec corev1.Secret
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: userNS, Name: live.Status.Grant.SecretName}, &sec); err != nil {
			t.Fatal(err)
		}
		if string(sec.Data[access.KeyAccess]) != reader.Access || string(sec.Data[access.KeyEndpoint]) != "https://"+city.Endpoint || len(sec.Data[access.KeyCA]) == 0 {
			t.Errorf("the grant's Secret holds %q at %q with a CA of %d bytes; want the storage team's account on the External store", sec.Data[access.KeyAccess], sec.Data[access.KeyEndpoint], len(sec.Data[access.KeyCA]))
		}
		if got := grantObjects(t, id, extNS); len(got) > 0 {
			t.Errorf("the grant made %v in the External platform's namespace, where no store pod runs", got)
		}
		var egress networkingv1.NetworkPolicy
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: userNS, Name: access.PolicyName(id)}, &egress); err != nil {
			t.Errorf("no egress to the External store: %v", err)
		}
		withdraw(t, live, "done")
		live = waitAccess(t, ar, scidatav1.AccessWithdrawn)
		assertNothingLeft(t, live, ext, scidatav1.ReasonWithdrawn)
	})

	t.Run("a second request for the same entry and namespace waits for the first", func(t *testing.T) {
		first := newAccessRequest(userNS, "tides-a", ownerNS, "tides")
		create(t, first)
		waitAccess(t, first, scidatav1.AccessPending)
		second := newAccessRequest(userNS, "tides-b", ownerNS, "tides")
		create(t, second)
		eventually(t, "the second request Stalled", func() error {
			c := accessCondition(getAccess(t, second), scidatav1.ConditionStalled)
			if c == nil || c.Status != metav1.ConditionTrue || c.Reason != scidatav1.ReasonRequestInForce || !strings.Contains(c.Message, userNS+"/tides-a") {
				return fmt.Errorf("Stalled %+v, want %s naming %s/tides-a", c, scidatav1.ReasonRequestInForce, userNS)
			}
			return nil
		})
		withdraw(t, getAccess(t, first), "filed twice")
		waitAccess(t, first, scidatav1.AccessWithdrawn)
		eventually(t, "the second request goes on", func() error {
			live := getAccess(t, second)
			if c := accessCondition(live, scidatav1.ConditionStalled); c != nil {
				return fmt.Errorf("still Stalled: %+v", c)
			}
			if c := accessCondition(live, scidatav1.ConditionReconciling); c == nil || c.Reason != scidatav1.ReasonAwaitingReview {
				return fmt.Errorf("Reconciling %+v, want %s", c, scidatav1.ReasonAwaitingReview)
			}
			return nil
		})
		// A Withdrawn request that was never approved made nothing and is
		// not a record: it may be deleted, and its finalizer lets it go.
		if err := env.Client.Delete(ctx, first); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the withdrawn request deleted", func() error {
			return gone(env.Client.Get(ctx, client.ObjectKeyFromObject(first), &scidatav1.AccessRequest{}))
		})
	})
}

// withdraw sets spec.withdrawn, as the requesting side's GitOps does.
func withdraw(t *testing.T, ar *scidatav1.AccessRequest, reason string) {
	t.Helper()
	patch := client.MergeFrom(ar.DeepCopy())
	ar.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: reason}
	if err := env.Client.Patch(context.Background(), ar, patch); err != nil {
		t.Fatal(err)
	}
}

// poke wakes the controller for ar, as any change of the object would (an
// annotation changes nothing it decides on): after the clock moved, its
// pass requeues for the expiry on the moved clock.
func poke(t *testing.T, ar *scidatav1.AccessRequest) {
	t.Helper()
	patch := client.MergeFrom(ar.DeepCopy())
	if ar.Annotations == nil {
		ar.Annotations = map[string]string{}
	}
	ar.Annotations["test.scidata.io/poke"] = managerClock.Now().Format(time.RFC3339Nano)
	if err := env.Client.Patch(context.Background(), ar, patch); err != nil {
		t.Fatal(err)
	}
}
