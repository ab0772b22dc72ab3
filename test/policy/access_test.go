package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The city of the access tests: science-technology asks for an entry of
// water-authority.
const (
	askingNS  = "scidata-science-technology"
	owningNS  = "scidata-water-authority"
	owningDP  = "water-authority"
	gitopsBot = "system:serviceaccount:flux-system:science-technology-gitops"
)

var (
	requestWriter = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"accessrequests"}, Verbs: []string{"get", "list", "create", "update", "patch", "delete"}}
	// A reviewer reads requests and writes their status only: one who can
	// edit the requests themselves may not review them.
	accessStatus = []rbacv1.PolicyRule{
		{APIGroups: []string{"scidata.io"}, Resources: []string{"accessrequests"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"scidata.io"}, Resources: []string{"accessrequests/status"}, Verbs: []string{"get", "update", "patch"}},
	}
	accessReviewer = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"accessreviewers"}, ResourceNames: []string{owningDP}, Verbs: []string{"approve"}}
	securityReview = rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"accessreviewers"}, ResourceNames: []string{owningDP}, Verbs: []string{"security-approve"}}
)

func newAccessRequest(name string) *scidatav1.AccessRequest {
	return &scidatav1.AccessRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: askingNS, Name: name},
		Spec: scidatav1.AccessRequestSpec{
			Entry:        scidatav1.AccessEntryReference{Namespace: owningNS, Name: "groundwater-wells"},
			UseNamespace: askingNS,
			Purpose:      scidatav1.AccessPurpose{Category: scidatav1.PurposePublicInterestResearch, Description: "Selenium in groundwater near tea plots."},
			Requester:    scidatav1.Requester{User: "alice@science-technology", Name: "Alice", Qualification: "Soil scientist of the institute."},
			Safeguards:   "Kept in the platform's namespace; deleted when the project ends.",
			// Two hours: a grant may be shorter, never longer.
			DurationSeconds: 7200,
		},
	}
}

// accessCity makes the namespaces and the people of the access tests, and
// installs config/admission.
func accessCity(t *testing.T) map[string]client.Client {
	t.Helper()
	ctx := context.Background()
	installAdmission(t)
	waitForPolicies(t)
	platformNamespace(t, "science-technology", "science-technology", scidatav1.ClassificationInternal)
	platformNamespace(t, owningDP, owningDP, scidatav1.ClassificationConfidential)
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "not-a-platform"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	people := map[string][]rbacv1.PolicyRule{
		// The department's robot applies requests, and was (wrongly) made
		// a reviewer of water-authority too.
		gitopsBot: append([]rbacv1.PolicyRule{requestWriter, accessReviewer}, accessStatus...),
		// The requester is a reviewer of water-authority as well.
		"alice@science-technology": append([]rbacv1.PolicyRule{accessReviewer}, accessStatus...),
		"dora@water-authority":     append([]rbacv1.PolicyRule{accessReviewer}, accessStatus...),
		"sam@center":               append([]rbacv1.PolicyRule{securityReview}, accessStatus...),
		"carol@water-authority":    append([]rbacv1.PolicyRule{accessReviewer, securityReview}, accessStatus...),
		"mallory@water-authority":  accessStatus,
		"bob@science-technology":   append([]rbacv1.PolicyRule{accessReviewer, requestWriter}, accessStatus...),
	}
	clients := map[string]client.Client{"": env.Client, managerUser: asManager(t)}
	for user, rules := range people {
		if err := env.Grant(ctx, "access-"+strings.NewReplacer(":", "-", "@", "-").Replace(user), user, "", rules...); err != nil {
			t.Fatal(err)
		}
		c, err := env.ClientAs(user)
		if err != nil {
			t.Fatal(err)
		}
		clients[user] = c
	}
	// The probe: a request outside a platform namespace is refused once
	// the policies are compiled.
	testenv.Eventually(t, 30*time.Second, func() error {
		r := newAccessRequest("probe")
		r.Namespace = "not-a-platform"
		if err := env.Client.Create(ctx, r, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "scidata-accessrequest") {
			return fmt.Errorf("the access policies are not in force yet: %w", err)
		}
		return nil
	})
	// The review rules are a policy of their own, which the apiserver may
	// load after the first: the requester's own approval (a dry run) is
	// refused once it is in force.
	probe := newAccessRequest("probe-review")
	if err := clients[gitopsBot].Create(ctx, probe); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		var r scidatav1.AccessRequest
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: askingNS, Name: probe.Name}, &r); err != nil {
			return err
		}
		r.Status.Review = decide(&r, "alice@science-technology", scidatav1.AccessDecisionApproved)
		err := clients["alice@science-technology"].Status().Update(ctx, &r, client.DryRunAll)
		if err == nil || !strings.Contains(err.Error(), "cannot review their own request") {
			return fmt.Errorf("the review policy is not in force yet: %w", err)
		}
		return nil
	})
	return clients
}

func decide(r *scidatav1.AccessRequest, by string, d scidatav1.AccessDecision) *scidatav1.AccessReview {
	at := metav1.NewTime(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	rv := &scidatav1.AccessReview{Decision: d, By: by, At: &at, Generation: r.Generation}
	if d != scidatav1.AccessDecisionApproved {
		rv.Note = ptr.To("state how the wells' coordinates are protected")
	}
	return rv
}

// Who may create a request, who may decide on it, and what stays a record,
// as the identities that would try it.
func TestAccessRequestReview(t *testing.T) {
	ctx := context.Background()
	people := accessCity(t)
	get := func(t *testing.T, c client.Client, name string) *scidatav1.AccessRequest {
		t.Helper()
		var r scidatav1.AccessRequest
		if err := c.Get(ctx, types.NamespacedName{Namespace: askingNS, Name: name}, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	create := func(t *testing.T, name string) *scidatav1.AccessRequest {
		t.Helper()
		r := newAccessRequest(name)
		// A client's own createdBy is replaced by admission.
		r.Spec.CreatedBy = ptr.To("someone-else")
		if err := people[gitopsBot].Create(ctx, r); err != nil {
			t.Fatalf("the department's robot could not create a request: %v", err)
		}
		return get(t, env.Client, name)
	}
	// The operator's record of the entry, which the review rules read.
	record := func(t *testing.T, r *scidatav1.AccessRequest, level scidatav1.ClassificationLevel) *scidatav1.AccessRequest {
		t.Helper()
		r.Status.State = ptr.To(scidatav1.AccessPending)
		r.Status.Entry = &scidatav1.AccessEntryRecord{UID: "uid-wells", Platform: owningDP, Classification: level, Sharing: scidatav1.SharingConditional}
		if err := people[managerUser].Status().Update(ctx, r); err != nil {
			t.Fatalf("the operator could not record the entry: %v", err)
		}
		return get(t, env.Client, r.Name)
	}
	review := func(t *testing.T, user, name string, security bool, d scidatav1.AccessDecision) error {
		t.Helper()
		r := get(t, people[user], name)
		if security {
			r.Status.SecurityReview = decide(r, user, d)
		} else {
			r.Status.Review = decide(r, user, d)
		}
		return people[user].Status().Update(ctx, r)
	}

	t.Run("admission records who created a request", func(t *testing.T) {
		r := create(t, "recorded")
		if got := ptr.Deref(r.Spec.CreatedBy, ""); got != gitopsBot {
			t.Fatalf("spec.createdBy = %q, want the creating identity %q", got, gitopsBot)
		}
		r.Spec.CreatedBy = ptr.To("alice@science-technology")
		if err := people[gitopsBot].Update(ctx, r); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.createdBy is recorded by admission") {
			t.Fatalf("spec.createdBy was rewritten: %v", err)
		}
	})
	t.Run("a request outside a platform namespace", func(t *testing.T) {
		r := newAccessRequest("stray")
		r.Namespace = "not-a-platform"
		checkRefusal(t, env.Client.Create(ctx, r), "metadata.namespace: not-a-platform is not a data platform namespace")
	})
	t.Run("a department files a request on behalf of an outsider", func(t *testing.T) {
		r := newAccessRequest("outsider")
		r.Spec.OnBehalfOf = &scidatav1.OnBehalfOf{Name: "A consultancy", Organization: "A consultancy"}
		checkRefusal(t, people[gitopsBot].Create(ctx, r), "spec.onBehalfOf: only the Center files a request on behalf of someone outside")
	})

	refusals := []struct {
		name, user, want string
		mutate           func(*scidatav1.AccessRequest)
	}{
		{"self-approval by the requester", "alice@science-technology", "is the requester (spec.requester.user) and cannot review their own request", nil},
		{"approval by the robot that created the request", gitopsBot, "created this request (spec.createdBy) and cannot review it", nil},
		{"approval without the verb", "mallory@water-authority", "is not an access reviewer of water-authority: a reviewer needs the verb approve", nil},
		{"approval by one who can edit the requests of the namespace", "bob@science-technology", "can edit the AccessRequests of scidata-science-technology and so cannot review them", nil},
		{"approval in another's name", "dora@water-authority", "status.review.by must be the user who writes the review (dora@water-authority), not carol@water-authority",
			func(r *scidatav1.AccessRequest) { r.Status.Review.By = "carol@water-authority" }},
		{"approval of an earlier spec", "dora@water-authority", "status.review.generation must be the request's current generation",
			func(r *scidatav1.AccessRequest) { r.Status.Review.Generation = 7 }},
		{"approval by the operator", managerUser, "the operator never decides on an access request", nil},
	}
	for i, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			name := "refused-" + string(rune('a'+i))
			create(t, name)
			r := get(t, people[tc.user], name)
			r.Status.Review = decide(r, tc.user, scidatav1.AccessDecisionApproved)
			if tc.mutate != nil {
				tc.mutate(r)
			}
			err := people[tc.user].Status().Update(ctx, r)
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want Forbidden containing %q", err, tc.want)
			}
		})
	}

	t.Run("a reviewer of the department approves; the grant rests on that approval", func(t *testing.T) {
		r := record(t, create(t, "internal"), scidatav1.ClassificationInternal)
		if err := review(t, "dora@water-authority", r.Name, false, scidatav1.AccessDecisionApproved); err != nil {
			t.Fatalf("the reviewer's approval was refused: %v", err)
		}
		r = get(t, env.Client, r.Name)
		r.Status.State = ptr.To(scidatav1.AccessApproved)
		if err := people[managerUser].Status().Update(ctx, r); err != nil {
			t.Fatalf("the operator could not record the approval: %v", err)
		}
	})
	t.Run("a reviewer cannot write the state or the grant", func(t *testing.T) {
		r := get(t, people["dora@water-authority"], "internal")
		r.Status.State = ptr.To(scidatav1.AccessActive)
		checkRefusal(t, people["dora@water-authority"].Status().Update(ctx, r), "only the operator writes an access request's state")
	})
	t.Run("an approved request takes no more decisions", func(t *testing.T) {
		checkRefusal(t, review(t, "sam@center", "internal", true, scidatav1.AccessDecisionRejected), "AccessRequest internal is Approved and takes no more decisions")
	})
	t.Run("an approved request's spec is a record; only withdrawal changes it", func(t *testing.T) {
		r := get(t, people[gitopsBot], "internal")
		r.Spec.DurationSeconds = 31622400
		checkRefusal(t, people[gitopsBot].Update(ctx, r), "spec: an access request that is approved or decided is a record")
		r = get(t, people[gitopsBot], "internal")
		r.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: "the project ended early"}
		if err := people[gitopsBot].Update(ctx, r); err != nil {
			t.Fatalf("withdrawal refused: %v", err)
		}
	})
	t.Run("deleting an approved request", func(t *testing.T) {
		r := get(t, env.Client, "internal")
		r.Status.Grant = grantRecord()
		if err := people[managerUser].Status().Update(ctx, r); err != nil {
			t.Fatalf("the operator could not record the grant: %v", err)
		}
		checkRefusal(t, people[gitopsBot].Delete(ctx, r), "was approved and is the record of who may know entry scidata-water-authority/groundwater-wells")
	})
	t.Run("deleting a request never approved", func(t *testing.T) {
		if err := people[gitopsBot].Delete(ctx, get(t, env.Client, "refused-a")); err != nil {
			t.Fatalf("a request never approved could not be deleted: %v", err)
		}
	})

	t.Run("a single approval on a classified entry", func(t *testing.T) {
		r := record(t, create(t, "classified"), scidatav1.ClassificationConfidential)
		if err := review(t, "dora@water-authority", r.Name, false, scidatav1.AccessDecisionApproved); err != nil {
			t.Fatal(err)
		}
		r = get(t, env.Client, r.Name)
		r.Status.State = ptr.To(scidatav1.AccessApproved)
		checkRefusal(t, people[managerUser].Status().Update(ctx, r), "a request is Approved or Active only with its department's approval and, for an entry classified above Internal, a security reviewer's approval too")
	})
	t.Run("a security review without the verb", func(t *testing.T) {
		checkRefusal(t, review(t, "dora@water-authority", "classified", true, scidatav1.AccessDecisionApproved), "is not a security reviewer for water-authority")
	})
	t.Run("one person gives both approvals", func(t *testing.T) {
		r := record(t, create(t, "both"), scidatav1.ClassificationConfidential)
		if err := review(t, "carol@water-authority", r.Name, false, scidatav1.AccessDecisionApproved); err != nil {
			t.Fatal(err)
		}
		checkRefusal(t, review(t, "carol@water-authority", r.Name, true, scidatav1.AccessDecisionApproved), "gave the other decision on this request")
	})
	t.Run("a security reviewer's approval completes a classified request's", func(t *testing.T) {
		if err := review(t, "sam@center", "classified", true, scidatav1.AccessDecisionApproved); err != nil {
			t.Fatalf("the security reviewer's approval was refused: %v", err)
		}
		r := get(t, env.Client, "classified")
		r.Status.State = ptr.To(scidatav1.AccessActive)
		r.Status.Grant = grantRecord()
		if err := people[managerUser].Status().Update(ctx, r); err != nil {
			t.Fatalf("two approvals did not let the operator activate the grant: %v", err)
		}
	})

	t.Run("revocation", func(t *testing.T) {
		revoke := func(t *testing.T, user, by, name string) error {
			t.Helper()
			r := get(t, people[user], name)
			now := metav1.Now()
			r.Status.Revocation = &scidatav1.AccessRevocation{By: by, At: &now, Reason: "the safeguards were not kept"}
			return people[user].Status().Update(ctx, r)
		}
		checkRefusal(t, revoke(t, "mallory@water-authority", "mallory@water-authority", "classified"), "revoking needs the verb approve or security-approve")
		checkRefusal(t, revoke(t, "dora@water-authority", "sam@center", "classified"), "status.revocation.by must be the user who revokes")
		checkRefusal(t, revoke(t, "dora@water-authority", "dora@water-authority", "both"), "is Pending, not a grant in force")
		if err := revoke(t, "dora@water-authority", "dora@water-authority", "classified"); err != nil {
			t.Fatalf("a reviewer could not revoke an Active grant: %v", err)
		}
	})

	t.Run("a Returned decision is cleared by the operator once the spec changed, and by nobody else", func(t *testing.T) {
		r := record(t, create(t, "returned"), scidatav1.ClassificationInternal)
		if err := review(t, "dora@water-authority", r.Name, false, scidatav1.AccessDecisionReturned); err != nil {
			t.Fatal(err)
		}
		// Not yet edited: the decision is about the spec in force.
		r = get(t, env.Client, r.Name)
		r.Status.Review = nil
		checkRefusal(t, people[managerUser].Status().Update(ctx, r), "a decision is removed only by the operator, and only one about an earlier spec")
		r = get(t, people[gitopsBot], r.Name)
		r.Spec.Safeguards = "Coordinates are rounded to 1 km before analysis."
		if err := people[gitopsBot].Update(ctx, r); err != nil {
			t.Fatalf("editing a returned request was refused: %v", err)
		}
		r = get(t, people["dora@water-authority"], r.Name)
		r.Status.Review = nil
		checkRefusal(t, people["dora@water-authority"].Status().Update(ctx, r), "a decision is removed only by the operator")
		r = get(t, env.Client, r.Name)
		r.Status.Review = nil
		if err := people[managerUser].Status().Update(ctx, r); err != nil {
			t.Fatalf("the operator could not clear a decision about an earlier spec: %v", err)
		}
	})
}

func grantRecord() *scidatav1.AccessGrant {
	at := metav1.NewTime(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	until := metav1.NewTime(at.Add(2 * time.Hour))
	return &scidatav1.AccessGrant{ID: "g0123456789abcdef", SecretName: "scidata-grant-g0123456789abcdef", PodLabel: scidatav1.LabelAccessGrant + "=g0123456789abcdef",
		Prefix: "hydrology/wells/", ApprovedAt: &at, ExpiresAt: &until, Fee: scidatav1.AccessFee{Charge: scidatav1.ChargeFree}}
}

// The shipped roles around access: a department's owners, bound to
// scidata-platform-admin in their namespace, file its requests and so
// cannot review them; an auditor bound cluster-wide to
// scidata-platform-auditor reads the register of every namespace
// (kubectl get accessrequests -A) and can change nothing.
func TestShippedRolesFileAndReadAccessRequests(t *testing.T) {
	ctx := context.Background()
	people := accessCity(t)
	roles, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "rbac", "platform_roles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if err := env.Client.Create(ctx, r); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	const owner, auditor = "chief@science-technology", "auditor@audit-office"
	if err := env.Bind(ctx, "owners-science-technology", "scidata-platform-admin", owner, askingNS); err != nil {
		t.Fatal(err)
	}
	if err := env.Bind(ctx, "auditor-register", "scidata-platform-auditor", auditor, ""); err != nil {
		t.Fatal(err)
	}
	// The owner is also, wrongly, made a reviewer of the entry's platform.
	if err := env.Grant(ctx, "access-reviewer-chief", owner, "", append([]rbacv1.PolicyRule{accessReviewer}, accessStatus...)...); err != nil {
		t.Fatal(err)
	}
	asOwner, err := env.ClientAs(owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := asOwner.Create(ctx, newAccessRequest("filed-by-an-owner")); err != nil {
		t.Fatalf("an owner bound to scidata-platform-admin could not file a request: %v", err)
	}
	// A request the department's robot filed: the owner can edit it, so
	// cannot review it.
	r := newAccessRequest("filed-by-the-robot")
	if err := people[gitopsBot].Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status.Review = decide(r, owner, scidatav1.AccessDecisionApproved)
	checkRefusal(t, asOwner.Status().Update(ctx, r), "can edit the AccessRequests of scidata-science-technology and so cannot review them")

	asAuditor, err := env.ClientAs(auditor)
	if err != nil {
		t.Fatal(err)
	}
	var register scidatav1.AccessRequestList
	if err := asAuditor.List(ctx, &register); err != nil {
		t.Fatalf("the auditor cannot list the requests of every namespace: %v", err)
	}
	found := false
	for _, item := range register.Items {
		found = found || item.Name == r.Name
	}
	if !found {
		t.Errorf("the register the auditor reads lacks %s/%s", r.Namespace, r.Name)
	}
	var live scidatav1.AccessRequest
	if err := asAuditor.Get(ctx, client.ObjectKeyFromObject(r), &live); err != nil {
		t.Fatal(err)
	}
	live.Spec.Withdrawn = &scidatav1.AccessWithdrawal{Reason: "an auditor's edit"}
	if err := asAuditor.Update(ctx, &live); !apierrors.IsForbidden(err) {
		t.Errorf("the auditor edited a request: %v", err)
	}
}

// The shape of a decision, from the CRD: a rejection or a return says why,
// and a reviewer may grant less time than asked, never more.
func TestAccessDecisionsSayWhyAndGrantNoMoreThanAsked(t *testing.T) {
	ctx := context.Background()
	people := accessCity(t)
	dora := people["dora@water-authority"]
	for i, tc := range []struct {
		name, want string
		review     func(*scidatav1.AccessRequest) *scidatav1.AccessReview
	}{
		{"a return without a note", "note is required when the decision is Rejected or Returned", func(r *scidatav1.AccessRequest) *scidatav1.AccessReview {
			rv := decide(r, "dora@water-authority", scidatav1.AccessDecisionReturned)
			rv.Note = nil
			return rv
		}},
		{"a grant longer than asked", "a reviewer may grant less than spec.durationSeconds, never more", func(r *scidatav1.AccessRequest) *scidatav1.AccessReview {
			rv := decide(r, "dora@water-authority", scidatav1.AccessDecisionApproved)
			rv.DurationSeconds = ptr.To(r.Spec.DurationSeconds + 1)
			return rv
		}},
		{"a grant shorter than asked", "", func(r *scidatav1.AccessRequest) *scidatav1.AccessReview {
			rv := decide(r, "dora@water-authority", scidatav1.AccessDecisionApproved)
			rv.DurationSeconds = ptr.To(r.Spec.DurationSeconds / 2)
			return rv
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAccessRequest("shape-" + string(rune('a'+i)))
			if err := people[gitopsBot].Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := dora.Get(ctx, client.ObjectKeyFromObject(r), r); err != nil {
				t.Fatal(err)
			}
			r.Status.Review = tc.review(r)
			checkRefusal(t, dora.Status().Update(ctx, r), tc.want)
		})
	}
}
