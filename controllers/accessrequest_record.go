package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/reconcilekit"
)

// maxHistory is status.history's bound (the CRD's MaxItems).
const maxHistory = 32

// accessScope carries what one reconcile of an AccessRequest observed and
// decided, from step to step and into the status.
type accessScope struct {
	ar    *scidatav1.AccessRequest
	patch *reconcilekit.StatusPatch
	now   time.Time
	// id is the request's grant id.
	id string

	facts   access.Facts
	verdict access.Verdict
	// owner is the platform holding the entry; nil when there is none.
	owner *scidatav1.DataPlatform

	// provisioned is what the grant step observed: the grant in force and
	// checked (Active), on its way (a Waiting or Stalled outcome), or removed.
	provisioned observation
	// entered lists the states entered in this pass, for their events.
	entered []scidatav1.AccessTransition
	// requeueAt is the grant's expiry: it ends at that instant.
	requeueAt time.Time
}

func newAccessScope(ar *scidatav1.AccessRequest, now time.Time) *accessScope {
	return &accessScope{ar: ar, patch: reconcilekit.NewStatusPatch(ar), now: now, id: access.GrantID(ar.Namespace, ar.Name)}
}

func (s *accessScope) state() scidatav1.AccessState {
	return ptr.Deref(s.ar.Status.State, "")
}

// enter records a change of state in status and history, once.
func (s *accessScope) enter(state scidatav1.AccessState, reason, by, message string) {
	if s.state() == state {
		return
	}
	s.ar.Status.State = ptr.To(state)
	at := metav1.NewTime(s.now.UTC().Truncate(time.Second))
	h := scidatav1.AccessTransition{State: state, At: &at, Reason: reason}
	if by != "" {
		h.By = ptr.To(by)
	}
	if message != "" {
		h.Message = ptr.To(truncate(message, 1000))
	}
	hist := append(s.ar.Status.History, h)
	if len(hist) > maxHistory {
		// The first transition and the latest ones.
		hist = append(hist[:1:1], hist[len(hist)-maxHistory+1:]...)
	}
	s.ar.Status.History = hist
	s.entered = append(s.entered, h)
}

// record writes the verdict into status: decisions about an earlier spec
// go, the entry as observed, the grant when it is first approved, and the
// state with its history.
func (s *accessScope) record() {
	st, v := &s.ar.Status, s.verdict
	if v.StaleReview {
		st.Review = nil
	}
	if v.StaleSecurityReview {
		st.SecurityReview = nil
	}
	if e := s.facts.Entry; e != nil {
		st.Entry = &scidatav1.AccessEntryRecord{UID: string(e.UID), Platform: platformOfNamespace(e.Namespace),
			Classification: access.Level(e), Sharing: effectiveSharing(e, s.now)}
	}
	if v.Grant && st.Grant == nil {
		at, until := metav1.NewTime(v.ApprovedAt), metav1.NewTime(v.ExpiresAt)
		st.Grant = &scidatav1.AccessGrant{ID: s.id, SecretName: access.SecretName(s.id), PodLabel: access.PodLabel(s.id),
			Prefix: access.Prefix(s.facts.Entry.Spec.Data.Prefix), ApprovedAt: &at, ExpiresAt: &until,
			AccessMethod: ptr.To(s.facts.Entry.Spec.AccessMethod.Type), Fee: access.Fee(s.facts.Entry, s.ar.Spec.Purpose.Category)}
		st.Approvers = ptr.To(access.Approvers(s.ar))
	}
	if st.Grant != nil && !v.State.Final() {
		s.requeueAt = st.Grant.ExpiresAt.Time
	}
	switch {
	case v.State == scidatav1.AccessApproved && s.state() == scidatav1.AccessActive && v.Grant:
		// Stays Active while the grant step finds it in force and checked.
	case s.state() == "" && v.State == scidatav1.AccessPending:
		s.enter(v.State, scidatav1.ReasonRequested, ptr.Deref(s.ar.Spec.CreatedBy, ""), "requested by "+s.ar.Spec.Requester.User)
	case s.state() == scidatav1.AccessReturned && v.State == scidatav1.AccessPending:
		s.enter(v.State, scidatav1.ReasonReopened, "", "the spec changed after it was returned: it waits for a review of generation "+itoa(s.ar.Generation))
	default:
		s.enter(v.State, v.Reason, v.By, v.Message)
	}
}

func platformOfNamespace(ns string) string {
	if len(ns) > len(scidatav1.NamespacePrefix) {
		return ns[len(scidatav1.NamespacePrefix):]
	}
	return ns
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n-len("…") {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
