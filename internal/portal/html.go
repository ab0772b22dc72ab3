package portal

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/evaluation"
)

// labels are the page's bilingual labels: Chinese first, then English.
var labels = map[string][2]string{
	"search": {"搜索", "Search"}, "department": {"部门", "Department"}, "subject": {"学科", "Subject"},
	"dataType": {"数据类型", "Data type"}, "sharing": {"共享属性", "Sharing"}, "any": {"全部", "Any"},
	"results": {"条结果", "results"}, "catalog": {"科学数据资源目录", "Scientific data catalog"},
	"scorecard": {"评估记分卡", "Scorecard"}, "selfEvaluation": {"自评", "Self-evaluation"},
	"byDepartment": {"按部门", "By department"}, "byPlatform": {"按平台", "By platform"}, "platform": {"平台", "Platform"}, "description": {"描述", "Description"},
	"provider": {"提供单位", "Provider"}, "keywords": {"关键词", "Keywords"}, "formats": {"格式", "Formats"},
	"version": {"版本", "Version"}, "license": {"许可", "Licence"}, "citation": {"引用", "Citation"},
	"identifiers": {"标识符", "Identifiers"}, "access": {"获取方式", "Access method"},
	"conditions": {"共享条件", "Conditions"}, "audience": {"申请对象", "Who may apply"}, "scope": {"共享范围", "Scope"},
	"review": {"审核程序", "Review procedure"}, "fees": {"收费", "Fees"}, "apply": {"如何申请", "How to apply"},
	"contact": {"联系人", "Contact"}, "embargo": {"延期开放", "Embargo"},
	"funding": {"资助", "Funding"}, "next": {"下一页", "Next"}, "prev": {"上一页", "Previous"},
	"exports": {"导出", "Exports"}, "completeness": {"元数据完整度", "Metadata completeness"},
	"listedEntries": {"公开条目", "Listed entries"}, "metadata": {"元数据", "Metadata"},
	"withheld": {"延期开放期间不提供", "withheld until the embargo ends"}, "publicInterest": {"公益用途免费", "free for public-interest use"},
	"procedure": {"申请程序", "Procedure"}, "example": {"申请示例", "Example AccessRequest"}, "activeGrants": {"有效授权数", "Grants in force"},
	"projects": {"项目汇交", "Projects"}, "project": {"项目编号", "Project"}, "received": {"已汇交", "Received"},
	"ready": {"可验收", "Ready for acceptance"}, "acceptanceDate": {"验收日期", "Acceptance date"}, "late": {"已逾期", "past, not all received"},
}

var funcs = template.FuncMap{
	"t": func(key string) string {
		l, ok := labels[key]
		if !ok {
			panic("portal: no label " + key)
		}
		return l[0] + " " + l[1]
	},
	"date":              func(t *time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") },
	"join":              strings.Join,
	"cond":              func(m scidatav1.SharingMode) bool { return m == scidatav1.SharingConditional },
	"scores":            func(sc Scorecard, key string) int { return sc.Scores[key] },
	"applies":           func(sc Scorecard, key string) bool { return sc.Applies(key) },
	"terms":             func(sc Scorecard, key string) []evaluation.Term { return sc.Terms[key] },
	"datasetPath":       datasetPath,
	"accessRequestYAML": accessRequestYAML,
}

// accessRequestYAML is an AccessRequest for e, for a requester to fill in
// (docs/access.md): the entry is named, the rest says what to state.
func accessRequestYAML(e *Entry) string {
	var b strings.Builder
	b.WriteString("apiVersion: scidata.io/v1alpha1\nkind: AccessRequest\nmetadata:\n")
	b.WriteString("  name: " + e.Name + "-request\n")
	b.WriteString("  namespace: scidata-<your platform>       # your platform's namespace\nspec:\n")
	b.WriteString("  entry:\n    namespace: " + e.Namespace + "\n    name: " + e.Name + "\n")
	b.WriteString("  useNamespace: scidata-<your platform>    # where your pods read the data\n")
	b.WriteString("  purpose:\n    category: PublicInterestResearch      # GovernmentDecision, PublicSafety, NationalDefence,\n")
	b.WriteString("                                          # EnvironmentalProtection, DisasterPrevention, Other\n")
	b.WriteString("    description: <what the data is for>\n")
	b.WriteString("  requester:\n    user: <your user name>\n    name: <your name>\n    qualification: <why you may use it>\n")
	b.WriteString("  safeguards: <how the data is kept and deleted>\n")
	b.WriteString("  durationSeconds: 2592000                 # 30 days; at most 366 days\n")
	if f := e.Spec.Sharing.Fees; f != nil && f.Model == scidatav1.FeeCharged {
		b.WriteString("  # for a use of category Other only: the fee standard you accept\n")
		b.WriteString("  # fees:\n  #   acceptedStandardURL: " + f.StandardURL + "\n")
	}
	return b.String()
}

type pageData struct {
	S           *Server
	At          time.Time
	Departments []DepartmentName
	Subjects    []string
	Filter      Filter
	Items       []*Entry
	Total       int
	Prev        string
	Next        string
	Entry       *Entry
	Cards       []Scorecard
	Areas       []Area
	Chart       chart
	Types       []scidatav1.DataType
	Projects    []ProjectView
	// Alternate is the page's machine-readable twin, linked from its head.
	Alternate string
	// ByPlatform is set on the scorecard of platforms.
	ByPlatform bool
}

func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	d.S = s
	if d.Alternate == "" {
		d.Alternate = "/catalog.jsonld"
	}
	if err := s.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	now := s.now()
	n, size := page(q, 25, 100)
	l := s.Index.Search(now, filterFrom(q), offset(n, size), size)
	d := pageData{At: now, Departments: l.Departments, Subjects: l.Subjects, Filter: filterFrom(q), Items: l.Items, Total: l.Total,
		Types: []scidatav1.DataType{scidatav1.DataTypeAudio, scidatav1.DataTypeVideo, scidatav1.DataTypeImage,
			scidatav1.DataTypeTable, scidatav1.DataTypeText, scidatav1.DataTypeNumeric, scidatav1.DataTypeOther}}
	link := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return "/?" + v.Encode()
	}
	if n > 1 {
		d.Prev = link(n - 1)
	}
	if n*size < l.Total {
		d.Next = link(n + 1)
	}
	s.render(w, http.StatusOK, "index.html", d)
}

func (s *Server) entryPage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	e := s.Index.Find(now, r.PathValue("namespace"), r.PathValue("name"))
	if e == nil {
		s.render(w, http.StatusNotFound, "notfound.html", pageData{At: now})
		return
	}
	s.render(w, http.StatusOK, "entry.html", pageData{At: now, Entry: e, Alternate: datasetPath(e)})
}

func (s *Server) scorecardPage(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	l, platforms := s.Index.Scoring(now)
	s.render(w, http.StatusOK, "scorecard.html", pageData{At: now, Cards: Scorecards(l, platforms, now), Areas: Areas, Chart: scorecardChart})
}

func (s *Server) platformScorecardPage(w http.ResponseWriter, _ *http.Request) {
	now := s.now()
	l, platforms := s.Index.Scoring(now)
	s.render(w, http.StatusOK, "scorecard.html", pageData{At: now, Cards: PlatformScorecards(l, platforms, now), Areas: Areas, Chart: scorecardChart,
		ByPlatform: true})
}
