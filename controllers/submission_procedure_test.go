package controllers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/receipt"
	"github.com/scidata-io/scidata-operator/internal/storetest"
	"github.com/scidata-io/scidata-operator/internal/submission"
	"github.com/scidata-io/scidata-operator/internal/workdays"
)

// cityPolicy makes a city-wide policy in the Center's namespace that covers
// every entry of the namespaces labelled label=true, and deletes it at the
// test's end.
func cityPolicy(t *testing.T, name, label string, mut func(*scidatav1.SubmissionPolicy)) *scidatav1.SubmissionPolicy {
	t.Helper()
	ensureNS(t, platform.CenterNamespace, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelCenter})
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: platform.CenterNamespace, Name: name},
		Spec: scidatav1.SubmissionPolicySpec{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{label: "true"}}}}
	if mut != nil {
		mut(p)
	}
	create(t, p)
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), p) })
	return p
}

func labelNS(t *testing.T, ns, key string) {
	t.Helper()
	patch := []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, key))
	if err := env.Client.Patch(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
}

func waitSubmission(t *testing.T, ns, name, what string, ok func(*scidatav1.Submission) error) *scidatav1.Submission {
	t.Helper()
	var s scidatav1.Submission
	eventually(t, what, func() error {
		if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &s); err != nil {
			return err
		}
		return ok(&s)
	})
	return &s
}

func condOf(conds []metav1.Condition, typ string) string {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return "<none>"
	}
	return string(c.Status) + "/" + c.Reason + ": " + c.Message
}

// The department's review falls due at the end of the tenth working day
// of the city's calendar after the Submission was made: in the city's time
// zone, not counting its holidays. ReviewOverdue is False until that
// instant, the reconciler asks to come back exactly then, and at it the
// condition turns True with the date and the policy counts it.
func TestTheReviewFallsDueAtTheExactInstant(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-due-works"
	ensureNS(t, ns, map[string]string{"due-test": "true"})
	city := cityPolicy(t, "city-due", "due-test", func(p *scidatav1.SubmissionPolicy) { p.Spec.TimeZone = "Asia/Shanghai" })
	e := fundedEntry(ns, "tide-gauges", "v1", "BZ-DUE")
	create(t, e)
	sub := waitSubmission(t, ns, submission.Name(e.Name, "v1"), "a review deadline", func(s *scidatav1.Submission) error {
		if s.Status.ReviewDueAt == nil {
			return fmt.Errorf("no reviewDueAt: %+v", s.Status)
		}
		return nil
	})
	// Two holidays on the first two working days after the Submission was
	// made move the deadline by two working days.
	cst, _ := time.LoadLocation("Asia/Shanghai")
	plain, _ := workdays.New("Asia/Shanghai", nil, nil)
	var holidays []string
	for d := sub.CreationTimestamp.In(cst); len(holidays) < 2; {
		d = d.AddDate(0, 0, 1)
		if plain.IsWorkingDay(d) {
			holidays = append(holidays, d.Format(workdays.DateLayout))
		}
	}
	patch := client.MergeFrom(city.DeepCopy())
	city.Spec.Holidays = holidays
	if err := env.Client.Patch(ctx, city, patch); err != nil {
		t.Fatal(err)
	}
	cal, _ := workdays.New("Asia/Shanghai", holidays, nil)
	due := cal.Due(sub.CreationTimestamp.Time, 10)
	if local := due.In(cst); local.Hour() != 0 || local.Minute() != 0 || !plain.IsWorkingDay(local.Add(-time.Hour)) {
		t.Fatalf("the due instant %s is not the end of a working day in Shanghai", local)
	}
	sub = waitSubmission(t, ns, sub.Name, "the deadline counts the holidays", func(s *scidatav1.Submission) error {
		if s.Status.ReviewDueAt == nil || !s.Status.ReviewDueAt.Equal(&metav1.Time{Time: due}) {
			return fmt.Errorf("reviewDueAt %v, want %s", s.Status.ReviewDueAt, due)
		}
		return nil
	})

	r := &SubmissionReconciler{Client: env.Client, Config: platform.Config{OperatorNamespace: operatorNamespace}}
	for _, tc := range []struct {
		at      time.Time
		overdue metav1.ConditionStatus
		requeue time.Duration
	}{
		{due.Add(-time.Second), metav1.ConditionFalse, time.Second},
		{due, metav1.ConditionTrue, 0},
	} {
		jumpTo(t, tc.at) // the manager reads the same instant
		r.Clock = clocktesting.NewFakePassiveClock(tc.at)
		res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(sub)})
		if err != nil || res.RequeueAfter != tc.requeue {
			t.Errorf("at %s: reconcile %+v, %v; want a requeue after %s", tc.at, res, err, tc.requeue)
		}
		waitSubmission(t, ns, sub.Name, "ReviewOverdue "+string(tc.overdue)+" at "+tc.at.String(), func(s *scidatav1.Submission) error {
			c := meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReviewOverdue)
			if c == nil || c.Status != tc.overdue || !strings.Contains(c.Message, due.UTC().Format(time.RFC3339)) {
				return fmt.Errorf("ReviewOverdue %s", condOf(s.Status.Conditions, scidatav1.ConditionReviewOverdue))
			}
			return nil
		})
	}
	eventually(t, "the city's policy counts the overdue review", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(city), &live); err != nil {
			return err
		}
		if live.Status.Counts.ReviewOverdue < 1 {
			return fmt.Errorf("counts %+v", live.Status.Counts)
		}
		return nil
	})
}

// The Center's procedure, end to end: a metadata gate returns the
// Submission naming the gate; fixing the entry moves the same Submission
// on (no new content version); the transfer passes the data gates and
// waits for the curator; the curator's acceptance gets the receipt, which
// names the reviewer, the gates and the curator; the project is ready
// with a signed statement that verifies offline, a changed byte fails, and
// a project whose entry has no receipt says which.
func TestTheCenterAcceptsAfterItsGatesAndSignsTheProjectStatement(t *testing.T) {
	ctx := context.Background()
	ensureCenter(t)
	dept := readyDepartment(t, "gate-works", nil)
	ns := platform.Namespace(dept)
	labelNS(t, ns, "gate-test")
	centerStore(t)
	departmentData(t, dept, map[string]string{"gauges/a.csv": "gauge,level\n1,2.5\n"})
	cityPolicy(t, "city-gates", "gate-test", func(p *scidatav1.SubmissionPolicy) {
		p.Spec.Acceptance = &scidatav1.Acceptance{MetadataGates: []scidatav1.MetadataGate{scidatav1.GateTitle, scidatav1.GateSubjectCode}, CuratorRequired: true}
	})
	e := fundedEntry(ns, "gauges", "v1", "BZ-GATE-1")
	e.Spec.ResponsibleDepartment.Code, e.Spec.Data.Prefix = dept.Spec.Department.Code, "gauges/"
	other := fundedEntry(ns, "gauges-upstream", "v1", "BZ-GATE-2")
	other.Spec.ResponsibleDepartment.Code, other.Spec.SubjectCode = dept.Spec.Department.Code, "570"
	create(t, e, other)
	// The department stays in the suite: its entries go, so that no later
	// city policy covers them.
	t.Cleanup(func() { _ = env.Client.Delete(ctx, e); _ = env.Client.Delete(ctx, other) })
	name := submission.Name(e.Name, "v1")

	returned := waitSubmission(t, ns, name, "returned naming the gate", func(s *scidatav1.Submission) error {
		if c := condOf(s.Status.Conditions, scidatav1.ConditionReturned); !strings.Contains(c, "True/GateFailed") || !strings.Contains(c, "gate SubjectCode failed") {
			return fmt.Errorf("Returned %s", c)
		}
		if submission.State(s) != scidatav1.SubmissionReturned {
			return fmt.Errorf("state %s", submission.State(s))
		}
		return nil
	})
	setStatus(t, returned, func() {
		returned.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewApproved, By: "alice@gate-works", At: metav1.Now()}
	})
	waitSubmission(t, ns, name, "approved but held while returned", func(s *scidatav1.Submission) error {
		if s.Status.Review == nil || s.Status.Transfer != nil || !strings.Contains(condOf(s.Status.Conditions, scidatav1.ConditionReady), "GateFailed") {
			return fmt.Errorf("review %v, transfer %v, Ready %s", s.Status.Review, s.Status.Transfer, condOf(s.Status.Conditions, scidatav1.ConditionReady))
		}
		return nil
	})

	// The department fixes the entry in place: the same Submission moves on.
	patch := []byte(`{"spec":{"subjectCode":"57050"}}`)
	if err := env.Client.Patch(ctx, e, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
	job := waitJob(t, returned)
	res, err := storetest.RunSyncJob(t, env.Client, job)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(res.Summary())
	completeJob(t, job, 0, string(msg))
	waiting := waitSubmission(t, ns, name, "transferred, waiting for the curator", func(s *scidatav1.Submission) error {
		if submission.State(s) != scidatav1.SubmissionAwaitingAcceptance || s.Status.AcceptanceDueAt == nil ||
			!strings.HasPrefix(condOf(s.Status.Conditions, scidatav1.ConditionAcceptanceOverdue), "False/WithinDeadline") {
			return fmt.Errorf("state %s, Ready %s, AcceptanceOverdue %s", submission.State(s), condOf(s.Status.Conditions, scidatav1.ConditionReady), condOf(s.Status.Conditions, scidatav1.ConditionAcceptanceOverdue))
		}
		return nil
	})
	if got := submission.Passed(waiting.Status.Gates); !slices.Contains(got, "ObjectsPresent") || !slices.Contains(got, "Checksums") || !slices.Contains(got, "SubjectCode") {
		t.Errorf("gates passed %v", got)
	}
	setStatus(t, waiting, func() {
		waiting.Status.Acceptance = &scidatav1.CuratorAcceptance{By: "carol@center", At: metav1.Now()}
	})
	got := waitSubmission(t, ns, name, "the receipt", func(s *scidatav1.Submission) error {
		if s.Status.Receipt == nil {
			return fmt.Errorf("no receipt: Ready %s", condOf(s.Status.Conditions, scidatav1.ConditionReady))
		}
		return nil
	})
	set := publishedKeySet(t)
	rc := receipt.Receipt{Payload: got.Status.Receipt.Payload, Signature: got.Status.Receipt.Signature, KeyID: got.Status.Receipt.KeyID}
	pub, err := set.Lookup(rc.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := receipt.Verify(rc, rc.KeyID, pub)
	if err != nil {
		t.Fatal(err)
	}
	if payload.Version != receipt.PayloadVersion || payload.Reviewer == nil || payload.Reviewer.By != "alice@gate-works" ||
		payload.Curator == nil || payload.Curator.By != "carol@center" || !slices.Contains(payload.Gates, "SubjectCode") || !slices.Contains(payload.Gates, "ObjectsPresent") {
		t.Errorf("the receipt attests %+v", payload)
	}
	if n := len(submissionsOf(t, ns, e.Name)); n != 1 {
		t.Errorf("%d Submissions of %s: fixing the entry made a new one", n, e.Name)
	}
	var evs eventsv1.EventList
	if err := env.Client.List(ctx, &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for _, ev := range evs.Items {
		if ev.Regarding.Name == name {
			reasons[ev.Reason] = true
		}
	}
	for _, want := range []string{"Returned", "Transferring", "AwaitingAcceptance", "Received"} {
		if !reasons[want] {
			t.Errorf("no %s Event for the Submission; events %v", want, reasons)
		}
	}

	// The project of the received entry is ready with a signed statement.
	var p scidatav1.Project
	eventually(t, "the project ready with its statement", func() error {
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.ProjectName("BZ-GATE-1")}, &p); err != nil {
			return err
		}
		if !p.Status.ReadyForAcceptance || len(p.Status.Statements) != 1 || !meta.IsStatusConditionTrue(p.Status.Conditions, scidatav1.ConditionReady) {
			return fmt.Errorf("status %+v", p.Status)
		}
		return nil
	})
	ps := p.Status.Statements[0]
	signed := receipt.Receipt{Payload: ps.Payload, Signature: ps.Signature, KeyID: ps.KeyID}
	st, err := receipt.VerifyStatement(signed, ps.KeyID, pub)
	if err != nil {
		t.Fatalf("the project statement does not verify: %v", err)
	}
	digest, _ := receipt.PayloadDigest(rc)
	if st.ProjectID != "BZ-GATE-1" || len(st.Entries) != 1 || st.Entries[0].ReceiptDigest != digest || st.Entries[0].ContentVersion != "v1" {
		t.Errorf("statement %+v, receipt digest %s", st, digest)
	}
	body, _ := base64.StdEncoding.DecodeString(ps.Payload)
	body[len(body)/2] ^= 1
	if _, err := receipt.VerifyStatement(receipt.Receipt{Payload: base64.StdEncoding.EncodeToString(body), Signature: ps.Signature, KeyID: ps.KeyID}, ps.KeyID, pub); err == nil {
		t.Error("a statement with a changed byte verified")
	}
	// The other project names the entry it waits for.
	eventually(t, "the other project says which entry is missing", func() error {
		var q scidatav1.Project
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: platform.CenterNamespace, Name: submission.ProjectName("BZ-GATE-2")}, &q); err != nil {
			return err
		}
		if c := condOf(q.Status.Conditions, scidatav1.ConditionReady); !strings.Contains(c, "False/EntriesMissing") || !strings.Contains(c, ns+"/gauges-upstream (AwaitingReview)") {
			return fmt.Errorf("Ready %s", c)
		}
		return nil
	})
}

// An entry deleted before its review leaves its Submission Withdrawn, a
// record, with no deadline running.
func TestDeletingAnEntryBeforeReviewWithdrawsItsSubmission(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-gone-works"
	ensureNS(t, ns, map[string]string{"gone-test": "true"})
	cityPolicy(t, "city-gone", "gone-test", nil)
	e := fundedEntry(ns, "dropped", "v1", "BZ-GONE")
	create(t, e)
	name := submission.Name(e.Name, "v1")
	waitSubmission(t, ns, name, "awaiting review", func(s *scidatav1.Submission) error {
		if submission.State(s) != scidatav1.SubmissionAwaitingReview {
			return fmt.Errorf("state %s", submission.State(s))
		}
		return nil
	})
	if err := env.Client.Delete(ctx, e); err != nil {
		t.Fatal(err)
	}
	waitSubmission(t, ns, name, "withdrawn", func(s *scidatav1.Submission) error {
		if s.Status.Withdrawal == nil || s.Status.Withdrawal.Reason != scidatav1.ReasonEntryDeleted || submission.State(s) != scidatav1.SubmissionWithdrawn ||
			!strings.HasPrefix(condOf(s.Status.Conditions, scidatav1.ConditionWithdrawn), "True/EntryDeleted") ||
			meta.FindStatusCondition(s.Status.Conditions, scidatav1.ConditionReviewOverdue) != nil {
			return fmt.Errorf("withdrawal %+v, conditions %+v", s.Status.Withdrawal, s.Status.Conditions)
		}
		return nil
	})
}

// An entry covered by its department's policy and the city's gets one
// Submission with every covering policy and the strictest terms, the same
// whichever policy reconciles first, also when the namespace's labels
// reach the cache late.
func TestTwoCoveringPoliciesGiveTheSameTermsInEveryRun(t *testing.T) {
	ctx := context.Background()
	type terms struct {
		Policies []string
		Review   bool
		Accept   *scidatav1.AcceptanceTerms
	}
	var first *terms
	for run, order := range []string{"city first", "department first", "city first"} {
		ns := fmt.Sprintf("scidata-terms-%d", run)
		label := fmt.Sprintf("terms-test-%d", run)
		// The namespace is not yet labelled a platform's: no Submission.
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
		dept := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "own"},
			Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(false), BackoffLimit: ptr.To[int32](5)}}
		city := cityPolicy(t, "city-terms-"+fmt.Sprint(run), label, func(p *scidatav1.SubmissionPolicy) {
			p.Spec.Acceptance = &scidatav1.Acceptance{MetadataGates: []scidatav1.MetadataGate{scidatav1.GateTitle}, MinCompleteness: 10}
		})
		e := fundedEntry(ns, "levels", "v1", "BZ-TERMS")
		e.Spec.Title = "Water levels"
		create(t, dept, e)
		policies := []*scidatav1.SubmissionPolicy{city, dept}
		if order == "department first" {
			policies = []*scidatav1.SubmissionPolicy{dept, city}
		}
		r := &SubmissionPolicyReconciler{Client: env.Client, Recorder: discardRecorder{}, Clock: managerClock}
		for _, p := range policies {
			_, _ = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
		}
		if n := len(submissionsOf(t, ns, e.Name)); n != 0 {
			t.Fatalf("run %d: %d Submissions before the namespace is a platform's", run, n)
		}
		patch := []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:"true",%q:"terms"}}}`, label, scidatav1.LabelPlatform))
		if err := env.Client.Patch(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.RawPatch(types.MergePatchType, patch)); err != nil {
			t.Fatal(err)
		}
		var got *terms
		eventually(t, "the Submission of run "+fmt.Sprint(run), func() error {
			for _, p := range policies {
				_, _ = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
			}
			subs := submissionsOf(t, ns, e.Name)
			if len(subs) != 1 {
				return fmt.Errorf("%d Submissions", len(subs))
			}
			s := subs[0].Spec
			got = &terms{Policies: s.Policies, Review: s.ReviewRequired, Accept: s.Acceptance}
			return nil
		})
		if len(got.Policies) != 2 || !got.Review || got.Accept == nil || got.Accept.MinCompleteness != 10 {
			t.Errorf("run %d (%s): terms %+v; want both policies, the city's review and its acceptance terms", run, order, got)
		}
		want := []string{platform.CenterNamespace + "/city-terms-" + fmt.Sprint(run), ns + "/own"}
		if !slices.Equal(got.Policies, want) {
			t.Errorf("run %d: policies %v, want %v", run, got.Policies, want)
		}
		got.Policies = nil
		if first == nil {
			first = got
		} else if fmt.Sprintf("%v %+v", first.Review, *first.Accept) != fmt.Sprintf("%v %+v", got.Review, *got.Accept) {
			t.Errorf("run %d (%s) gave %v %+v, run 0 gave %v %+v", run, order, got.Review, *got.Accept, first.Review, *first.Accept)
		}
	}
}

// A schedule that does not parse stalls the policy naming spec.schedule; a
// scheduled policy makes at most one Submission per window, named for it.
func TestSchedules(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-cron-works"
	ensureNS(t, ns, nil)
	bad := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
		Spec: scidatav1.SubmissionPolicySpec{Schedule: "61 * * * *", Selector: metav1.LabelSelector{MatchLabels: map[string]string{"none": "none"}}}}
	create(t, bad)
	eventually(t, "an unparsable schedule stalls", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(bad), &live); err != nil {
			return err
		}
		if c := condOf(live.Status.Conditions, scidatav1.ConditionStalled); !strings.Contains(c, "True/InvalidSchedule") || !strings.Contains(c, "spec.schedule") {
			return fmt.Errorf("Stalled %s", c)
		}
		return nil
	})
	// A daily window that opens three minutes from now (UTC): the entry's
	// first window is that one; the test moves its clock there.
	next := time.Now().UTC().Truncate(time.Minute).Add(3 * time.Minute)
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "daily"},
		Spec: scidatav1.SubmissionPolicySpec{Schedule: fmt.Sprintf("%d %d * * *", next.Minute(), next.Hour()), ReviewRequired: ptr.To(true)}}
	e := fundedEntry(ns, "buoys", "v1", "")
	e.Spec.Funding = nil
	create(t, p, e)
	r := &SubmissionPolicyReconciler{Client: env.Client, Recorder: discardRecorder{}}
	r.Clock = clocktesting.NewFakePassiveClock(next.Add(-time.Second))
	var res ctrl.Result
	eventually(t, "a pass before the window", func() error {
		var err error
		res, err = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
		return err // a conflict with the manager's own write is retried
	})
	if res.RequeueAfter != time.Second {
		t.Errorf("before the window: %+v; want a requeue at the window's start, a second away", res)
	}
	if n := len(submissionsOf(t, ns, e.Name)); n != 0 {
		t.Fatalf("%d Submissions before the entry's first window", n)
	}
	for i := 0; i < 2; i++ { // twice in the window: still one
		r.Clock = clocktesting.NewFakePassiveClock(next.Add(time.Duration(i) * 10 * time.Second))
		_, _ = r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	}
	subs := submissionsOf(t, ns, e.Name)
	if len(subs) != 1 || subs[0].Name != submission.WindowName(e.Name, next) || subs[0].Spec.Window == nil || !subs[0].Spec.Window.Time.Equal(next) {
		t.Fatalf("Submissions %v; want one, named for the window %s", subs, next)
	}
}

// A status the apiserver refuses surfaces as Stalled, naming the refusal,
// rather than leaving an old Ready standing (a policy refuses here what a
// status over a CRD bound was refused for).
func TestARefusedStatusWriteIsStalledNotAStaleReady(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-refused-works"
	ensureNS(t, ns, nil)
	vap, binding := refuseCountsOver(1)
	create(t, vap, binding)
	t.Cleanup(func() { _ = env.Client.Delete(ctx, binding); _ = env.Client.Delete(ctx, vap) })
	p := &scidatav1.SubmissionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "growing", Labels: map[string]string{"refuse-test": "true"}},
		Spec: scidatav1.SubmissionPolicySpec{ReviewRequired: ptr.To(true), Selector: metav1.LabelSelector{MatchLabels: map[string]string{"none": "yet"}}}}
	create(t, p)
	// The apiserver compiles a new admission policy a moment after it is
	// made: wait until it refuses a status over the bound.
	eventually(t, "the admission policy is live", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
			return err
		}
		live.Status.SelectedEntries = 5
		if err := env.Client.Status().Update(ctx, &live, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "more than this test admits") {
			return fmt.Errorf("a status over the bound: %w", err)
		}
		return nil
	})
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Selector = metav1.LabelSelector{}
	if err := env.Client.Patch(ctx, p, patch); err != nil {
		t.Fatal(err)
	}
	create(t, fundedEntry(ns, "one", "v1", "BZ-R1"))
	eventually(t, "Ready with one entry", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
			return err
		}
		if live.Status.SelectedEntries != 1 || !meta.IsStatusConditionTrue(live.Status.Conditions, scidatav1.ConditionReady) {
			return fmt.Errorf("status %+v", live.Status)
		}
		return nil
	})
	create(t, fundedEntry(ns, "two", "v1", "BZ-R2"))
	eventually(t, "Stalled, not a stale Ready", func() error {
		var live scidatav1.SubmissionPolicy
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &live); err != nil {
			return err
		}
		if c := condOf(live.Status.Conditions, scidatav1.ConditionStalled); !strings.Contains(c, "True/StatusRefused") || !strings.Contains(c, "refused") ||
			meta.IsStatusConditionTrue(live.Status.Conditions, scidatav1.ConditionReady) {
			return fmt.Errorf("Stalled %s, Ready %s", c, condOf(live.Status.Conditions, scidatav1.ConditionReady))
		}
		return nil
	})
}

// A paper published before the entry's data was recorded in the platform
// raises DataBeforePaper=False naming the paper.
func TestAPaperBeforeTheDataIsFlagged(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-paper-works"
	ensureNS(t, ns, nil)
	early := metav1.NewTime(time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second))
	e := fundedEntry(ns, "sediment", "v1", "BZ-PAPER")
	e.Spec.Publications = []scidatav1.Publication{{Title: "Sediment loads of the Ba River", Status: scidatav1.PublicationPublished, PublishedAt: &early}}
	create(t, e)
	eventually(t, "DataBeforePaper False", func() error {
		var live scidatav1.CatalogEntry
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(e), &live); err != nil {
			return err
		}
		if c := condOf(live.Status.Conditions, scidatav1.ConditionDataBeforePaper); !strings.Contains(c, "False/PaperBeforeData") || !strings.Contains(c, "Sediment loads of the Ba River") {
			return fmt.Errorf("DataBeforePaper %s", c)
		}
		return nil
	})
}

// refuseCountsOver is an admission policy that refuses a policy's status
// covering more than n entries, for policies labelled refuse-test.
func refuseCountsOver(n int) (client.Object, client.Object) {
	vap := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "test-refuse-policy-status"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"scidata.io"}, APIVersions: []string{"*"}, Resources: []string{"submissionpolicies/status"}}}}}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: fmt.Sprintf("object.metadata.?labels.orValue({})[?'refuse-test'].orValue('') != 'true' || object.status.?selectedEntries.orValue(0) <= %d", n),
				Message:    "status.selectedEntries is more than this test admits",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "test-refuse-policy-status"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: vap.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
	}
	return vap, binding
}

// A withdrawal is final, so the cache's word that an entry is gone is not
// enough: while the apiserver still holds the entry the Submission is
// looked at again in a second and nothing is written; once the entry is
// deleted the withdrawal says EntryDeleted, and an entry made again under
// the name says EntryReplaced.
func TestAWithdrawalIsWrittenOnlyWhenTheAPIServerConfirmsTheEntryIsGone(t *testing.T) {
	ctx := context.Background()
	const ns = "scidata-water-works"
	ensureNS(t, ns, map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment})
	e := fundedEntry(ns, "withdrawal-probe", "v1", "BZ-WD-1")
	if err := env.Client.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	r := &SubmissionReconciler{Client: env.Client, APIReader: env.Client}
	now := time.Now()
	sub := func() *submissionScope {
		return &submissionScope{now: now, s: &scidatav1.Submission{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "withdrawal-probe-v1"},
			Spec:       scidatav1.SubmissionSpec{Entry: scidatav1.LocalObjectReference{Name: e.Name}, EntryUID: string(e.UID)}}}
	}

	// The cache has not seen the entry (sc.entry is nil); the apiserver has.
	sc := sub()
	done, err := r.reconcileWithdrawal(ctx, sc)
	if err != nil || !done || sc.s.Status.Withdrawal != nil || !sc.nextAt.Equal(now.Add(time.Second)) {
		t.Fatalf("with the entry in the apiserver: done %v, err %v, withdrawal %+v, next %s; want no withdrawal and a look again in 1s", done, err, sc.s.Status.Withdrawal, sc.nextAt)
	}

	if err := env.Client.Delete(ctx, e); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the entry gone", func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(e), &scidatav1.CatalogEntry{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("entry still there: %w", err)
		}
		return nil
	})
	sc = sub()
	if done, err := r.reconcileWithdrawal(ctx, sc); err != nil || !done || sc.s.Status.Withdrawal == nil || sc.s.Status.Withdrawal.Reason != scidatav1.ReasonEntryDeleted {
		t.Fatalf("with the entry deleted: done %v, err %v, withdrawal %+v; want EntryDeleted", done, err, sc.s.Status.Withdrawal)
	}

	again := fundedEntry(ns, e.Name, "v1", "BZ-WD-1")
	if err := env.Client.Create(ctx, again); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), again) })
	sc = sub()
	if done, err := r.reconcileWithdrawal(ctx, sc); err != nil || !done || sc.s.Status.Withdrawal == nil || sc.s.Status.Withdrawal.Reason != scidatav1.ReasonEntryReplaced {
		t.Fatalf("with an entry of the name made again: done %v, err %v, withdrawal %+v; want EntryReplaced", done, err, sc.s.Status.Withdrawal)
	}
}
