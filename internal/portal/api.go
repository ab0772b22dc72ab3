package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// EntryJSON is an entry in the JSON API.
type EntryJSON struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	LocalTitle       string   `json:"localTitle,omitempty"`
	Description      string   `json:"description"`
	Subject          string   `json:"subject"`
	Keywords         []string `json:"keywords,omitempty"`
	DataTypes        []string `json:"dataTypes"`
	Department       string   `json:"department"`
	DepartmentName   string   `json:"departmentName"`
	Provider         string   `json:"provider"`
	EffectiveSharing string   `json:"effectiveSharing"`
	SharingReason    string   `json:"sharingReason"`
	AccessRights     string   `json:"accessRights"`
	EmbargoUntil     string   `json:"embargoUntil,omitempty"`
	AccessType       string   `json:"accessType"`
	AccessURL        string   `json:"accessURL,omitempty"`
	Conditions       string   `json:"conditions,omitempty"`
	ReviewProcedure  string   `json:"reviewProcedure,omitempty"`
	License          string   `json:"license,omitempty"`
	Citation         string   `json:"citation,omitempty"`
	DOI              string   `json:"doi,omitempty"`
	CSTR             string   `json:"cstr,omitempty"`
	Completeness     int32    `json:"completeness"`
	URL              string   `json:"url"`
}

func (s *Server) entryJSON(e *Entry) EntryJSON {
	j := EntryJSON{
		ID: e.ID(), Title: e.Spec.Title, LocalTitle: e.Spec.LocalTitle, Description: e.Spec.Description,
		Subject: e.Spec.Subject, Keywords: e.Spec.Keywords, Department: e.Department.Code, DepartmentName: e.Department.Name,
		Provider: e.Spec.ProvidingDepartment.Name, EffectiveSharing: string(e.Sharing.Mode), SharingReason: e.Sharing.Reason,
		AccessRights: AccessRights(e.Sharing), AccessType: string(e.Spec.AccessMethod.Type), AccessURL: e.AccessURL(),
		Conditions: e.Spec.Sharing.Conditions, ReviewProcedure: e.Spec.Sharing.ReviewProcedure, Citation: e.Spec.Citation,
		Completeness: e.Score, URL: s.url("/entries/" + e.ID()),
	}
	for _, t := range e.Spec.DataTypes {
		j.DataTypes = append(j.DataTypes, string(t))
	}
	if e.Sharing.Embargoed {
		j.EmbargoUntil = e.Sharing.EmbargoUntil.Format(time.RFC3339)
	}
	if e.Spec.License != nil {
		j.License = e.Spec.License.Name
	}
	if ids := e.Spec.Identifiers; ids != nil {
		j.DOI, j.CSTR = ids.DOI, ids.CSTR
	}
	return j
}

// EntriesPage is the JSON API's answer to a search.
type EntriesPage struct {
	Items    []EntryJSON `json:"items"`
	Total    int         `json:"total"`
	Page     int         `json:"page"`
	PageSize int         `json:"pageSize"`
	Next     string      `json:"next,omitempty"`
}

func (s *Server) apiEntries(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	n, size := page(q, 50, 500)
	l := s.Index.Search(s.now(), filterFrom(q), offset(n, size), size)
	out := EntriesPage{Items: make([]EntryJSON, 0, len(l.Items)), Total: l.Total, Page: n, PageSize: size}
	for _, e := range l.Items {
		out.Items = append(out.Items, s.entryJSON(e))
	}
	if n*size < l.Total {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("page", strconv.Itoa(n+1))
		next.Set("pageSize", strconv.Itoa(size))
		out.Next = s.url("/api/v1/entries?" + next.Encode())
	}
	writeJSON(w, "application/json", out)
}

func (s *Server) apiEntry(w http.ResponseWriter, r *http.Request) {
	e := s.Index.Find(s.now(), r.PathValue("namespace"), r.PathValue("name"))
	if e == nil {
		http.Error(w, "no such entry in the public catalog", http.StatusNotFound)
		return
	}
	writeJSON(w, "application/json", s.entryJSON(e))
}

// ScorecardsJSON reads either JSON scorecard: the areas, and the
// departments' (/api/v1/scorecard) or the platforms' figures
// (/api/v1/scorecard/platforms); each answer holds its own list, [] when
// there is none.
type ScorecardsJSON struct {
	Areas       []Area      `json:"areas"`
	Departments []Scorecard `json:"departments,omitempty"`
	Platforms   []Scorecard `json:"platforms,omitempty"`
}

func (s *Server) apiScorecard(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	l, platforms := s.Index.Scoring(now)
	writeJSON(w, "application/json", map[string]any{"areas": Areas, "departments": nonNil(Scorecards(l, platforms, now))})
}

func (s *Server) apiPlatformScorecard(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	l, platforms := s.Index.Scoring(now)
	writeJSON(w, "application/json", map[string]any{"areas": Areas, "platforms": nonNil(PlatformScorecards(l, platforms, now))})
}

func nonNil(cards []Scorecard) []Scorecard {
	if cards == nil {
		return []Scorecard{}
	}
	return cards
}
