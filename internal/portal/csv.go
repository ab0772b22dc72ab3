package portal

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the first row of the CSV export.
var CSVHeader = []string{
	"id", "title", "local_title", "department_code", "department_name", "subject", "keywords", "data_types",
	"effective_sharing", "access_rights", "sharing_reason", "embargo_until", "access_type", "access_url",
	"license", "doi", "cstr", "citation", "landing_page", "completeness",
}

func (s *Server) csv(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	l := s.Index.Search(s.now(), filterFrom(query(r)), 0, math.MaxInt)
	if err := s.WriteCSV(&buf, l.Items); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalog.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// WriteCSV writes the listed entries, one row each.
func (s *Server) WriteCSV(w io.Writer, entries []*Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write(s.csvRow(e)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) csvRow(e *Entry) []string {
	var embargo, license, doi, cstr string
	if e.Sharing.Embargoed {
		embargo = e.Sharing.EmbargoUntil.Format(time.RFC3339)
	}
	if e.Spec.License != nil {
		license = e.Spec.License.Name
	}
	if ids := e.Spec.Identifiers; ids != nil {
		doi, cstr = ids.DOI, ids.CSTR
	}
	types := make([]string, len(e.Spec.DataTypes))
	for i, t := range e.Spec.DataTypes {
		types[i] = string(t)
	}
	return []string{
		e.ID(), e.Spec.Title, e.Spec.LocalTitle, e.Department.Code, e.Department.Name, e.Spec.Subject,
		strings.Join(e.Spec.Keywords, ";"), strings.Join(types, ";"),
		string(e.Sharing.Mode), AccessRights(e.Sharing), e.Sharing.Reason, embargo,
		string(e.Spec.AccessMethod.Type), e.AccessURL(), license, doi, cstr, e.Spec.Citation,
		s.url("/entries/" + e.ID()), strconv.Itoa(int(e.Score)),
	}
}

// ScorecardCSVHeader is the first row of the scorecard's CSV: one row per
// department, then one per platform, each area's figure or "n/a".
func ScorecardCSVHeader() []string {
	h := []string{"unit", "department_code", "department_name", "platform", "listed_entries"}
	for _, a := range Areas {
		h = append(h, a.Key)
	}
	return h
}

func (s *Server) scorecardCSV(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	l, platforms := s.Index.Scoring(now)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(ScorecardCSVHeader())
	for _, cards := range [][]Scorecard{Scorecards(l, platforms, now), PlatformScorecards(l, platforms, now)} {
		for _, sc := range cards {
			unit := "department"
			if sc.Platform != "" {
				unit = "platform"
			}
			row := []string{unit, sc.Department.Code, sc.Department.Name, sc.Platform, strconv.Itoa(sc.Entries)}
			for _, a := range Areas {
				v, ok := sc.Scores[a.Key]
				row = append(row, map[bool]string{true: strconv.Itoa(v), false: "n/a"}[ok])
			}
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="scorecard.csv"`)
	_, _ = w.Write(buf.Bytes())
}
