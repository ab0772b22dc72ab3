package portal

import (
	"net/http"
	"sort"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// ProjectView is a funded project as the public portal shows it: over the
// entries the public catalog lists only. A classified or Closed entry
// counts nowhere here, so nothing public tells whether a project has one
// (the full record, every entry and the signed statements, is the
// Project object, for kubectl and auditors).
type ProjectView struct {
	ProjectID string `json:"projectID"`
	// Entries and Received count the project's listed entries and those
	// whose latest version the Center received.
	Entries  int `json:"entries"`
	Received int `json:"received"`
	// Ready is true when every listed entry is received.
	Ready bool `json:"readyForAcceptance"`
	// AcceptanceDate is the earliest one the listed entries state; Late is
	// true when it has come and some listed entry is not received.
	AcceptanceDate string   `json:"acceptanceDate,omitempty"`
	Late           bool     `json:"acceptanceDatePassed,omitempty"`
	Datasets       []string `json:"datasets"`
}

// Projects lists the funded projects of the listed entries, by project id.
func Projects(l Listing, now time.Time) []ProjectView {
	byID := map[string]*ProjectView{}
	dates := map[string]time.Time{}
	for _, e := range l.Items {
		f := e.Spec.Funding
		if f == nil || f.ProjectID == "" {
			continue
		}
		p := byID[f.ProjectID]
		if p == nil {
			p = &ProjectView{ProjectID: f.ProjectID}
			byID[f.ProjectID] = p
		}
		p.Entries++
		if e.Submission == scidatav1.SubmissionReceived {
			p.Received++
		}
		p.Datasets = append(p.Datasets, e.ID())
		if f.AcceptanceDate != nil && (dates[f.ProjectID].IsZero() || f.AcceptanceDate.Time.Before(dates[f.ProjectID])) {
			dates[f.ProjectID] = f.AcceptanceDate.Time
		}
	}
	out := make([]ProjectView, 0, len(byID))
	for id, p := range byID {
		p.Ready = p.Received == p.Entries
		if d := dates[id]; !d.IsZero() {
			p.AcceptanceDate = d.UTC().Format(time.RFC3339)
			p.Late = !p.Ready && !now.Before(d)
		}
		sort.Strings(p.Datasets)
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProjectID < out[j].ProjectID })
	return out
}

func (s *Server) apiProjects(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, "application/json", map[string]any{"projects": Projects(s.Index.Listed(s.now()), s.now())})
}

func (s *Server) projectsPage(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	s.render(w, http.StatusOK, "projects.html", pageData{At: now, Projects: Projects(s.Index.Listed(now), now)})
}
