package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// department is one competent department of a city: its code (the
// platform's name) and its names.
type department struct {
	code, name, localName string
}

// planDepartments are the 21 responsible departments (责任单位) that §2.1
// of the plan (seed/bazhong-scientific-data-plan.zh.txt, line 31) lists,
// in its order; the municipal establishment office and the district
// governments it names after them run no platform of their own.
var planDepartments = []department{
	{"science-technology", "Bazhong Municipal Science and Technology Bureau", "市科技局"},
	{"finance", "Bazhong Municipal Finance Bureau", "市财政局"},
	{"economy-information", "Bazhong Municipal Bureau of Economy and Information Technology", "市经济和信息化局"},
	{"education-sports", "Bazhong Municipal Bureau of Education and Sports", "市教育体育局"},
	{"public-security", "Bazhong Municipal Public Security Bureau", "市公安局"},
	{"natural-resources", "Bazhong Municipal Bureau of Natural Resources and Planning", "市自然资源和规划局"},
	{"ecology-environment", "Bazhong Municipal Bureau of Ecology and Environment", "市生态环境局"},
	{"housing-construction", "Bazhong Municipal Bureau of Housing and Urban-Rural Development", "市住房城乡建设局"},
	{"transport", "Bazhong Municipal Transport Bureau", "市交通运输局"},
	{"water-resources", "Bazhong Municipal Water Resources Bureau", "市水利局"},
	{"agriculture-rural", "Bazhong Municipal Bureau of Agriculture and Rural Affairs", "市农业农村局"},
	{"culture-tourism", "Bazhong Municipal Bureau of Culture, Radio, Television and Tourism", "市文化广播电视和旅游局"},
	{"health", "Bazhong Municipal Health Commission", "市卫生健康委"},
	{"emergency-management", "Bazhong Municipal Emergency Management Bureau", "市应急管理局"},
	{"market-regulation", "Bazhong Municipal Administration for Market Regulation", "市市场监管局"},
	{"forestry", "Bazhong Municipal Forestry Bureau", "市林业局"},
	{"government-services-big-data", "Bazhong Municipal Government Services and Big Data Administration", "市政务服务和大数据管理局"},
	{"meteorology", "Bazhong Municipal Meteorological Bureau", "市气象局"},
	{"hydrology", "Bazhong Hydrology and Water Resources Survey Bureau", "巴中水文水资源勘测局"},
	{"product-quality-inspection", "Bazhong Product Quality Inspection and Testing Center", "市产品质量检验检测中心"},
	{"green-agriculture-institute", "Bazhong Institute for Green Agriculture Innovation and Development", "市绿色农业创新发展研究院"},
}

// centerDepartment runs the Center (§2.1): the city's S&T information
// institute, as config/samples/00-center.yaml names it.
var centerDepartment = department{"st-info-institute", "Bazhong Institute of Scientific and Technological Information", "巴中市科技信息研究所"}

// departments returns n departments: the plan's 21, then units numbered
// after them, as a larger city (or a province's cities) would add.
func departments(n int) []department {
	out := make([]department, 0, n)
	for i := 0; i < n; i++ {
		if i < len(planDepartments) {
			out = append(out, planDepartments[i])
			continue
		}
		out = append(out, department{fmt.Sprintf("unit-%03d", i+1), fmt.Sprintf("Municipal unit %d", i+1), fmt.Sprintf("市直单位%d", i+1)})
	}
	return out
}

// citySpec says what city to build.
type citySpec struct {
	Departments        int    // department platforms besides the Center
	EntriesPerPlatform int    // the Center's own datasets included
	StorageClassName   string // "" for the cluster's default class
	StorageSize        string
	// Small sets small object store and portal resources and one portal
	// replica everywhere, so that a real node can run every platform.
	Small bool
	// Now anchors the dates of embargoes, secrecy periods and projects.
	Now time.Time
}

// city is what the bureau and the departments apply.
type city struct {
	Platforms []*scidatav1.DataPlatform
	Policy    *scidatav1.SubmissionPolicy
	// Entries by platform name, in creation order.
	Entries map[string][]*scidatav1.CatalogEntry
	// Covered counts the entries the city's policy covers (publicly
	// funded: Government or Mixed).
	Covered int
}

// entryCount is the number of entries of the city.
func (c *city) entryCount() int {
	n := 0
	for _, es := range c.Entries {
		n += len(es)
	}
	return n
}

// projectCount is the number of funded projects the city's entries name:
// the Projects the operator makes.
func (c *city) projectCount() int {
	seen := map[string]bool{}
	for _, es := range c.Entries {
		for _, e := range es {
			if f := e.Spec.Funding; f != nil && f.ProjectID != "" {
				seen[f.ProjectID] = true
			}
		}
	}
	return len(seen)
}

// cleared says whether the i-th department holds classified data: one in
// ten, as a city's natural resources, public security and health bureaus
// would.
func cleared(i int) bool { return i%10 == 5 }

// buildCity makes the city: the Center, the departments' platforms, their
// entries and the city's submission policy, read from
// config/samples/00-center.yaml so that it is exactly the sample city's.
func buildCity(root string, s citySpec) (*city, error) {
	policy, err := samplePolicy(root)
	if err != nil {
		return nil, err
	}
	c := &city{Policy: policy, Entries: map[string][]*scidatav1.CatalogEntry{}}
	add := func(d department, dp *scidatav1.DataPlatform) {
		c.Platforms = append(c.Platforms, dp)
		for j := 0; j < s.EntriesPerPlatform; j++ {
			e := entry(s, d, dp, j)
			if f := e.Spec.Funding; f != nil && (f.Source == scidatav1.FundingGovernment || f.Source == scidatav1.FundingMixed) {
				c.Covered++
			}
			c.Entries[dp.Name] = append(c.Entries[dp.Name], e)
		}
	}
	add(centerDepartment, centerPlatform(s))
	for i, d := range departments(s.Departments) {
		add(d, departmentPlatform(s, d, i))
	}
	return c, nil
}

// samplePolicy is the city-wide SubmissionPolicy of the sample city.
func samplePolicy(root string) (*scidatav1.SubmissionPolicy, error) {
	path := filepath.Join(root, "config", "samples", "00-center.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, doc := range strings.Split(string(data), "\n---") {
		var p scidatav1.SubmissionPolicy
		if err := yaml.Unmarshal([]byte(doc), &p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if p.Kind == "SubmissionPolicy" {
			return &p, nil
		}
	}
	return nil, fmt.Errorf("%s holds no SubmissionPolicy", path)
}

func storage(s citySpec, retention scidatav1.RetentionPolicy) scidatav1.Storage {
	st := scidatav1.Storage{Size: resource.MustParse(s.StorageSize), Retention: retention}
	if s.StorageClassName != "" {
		st.StorageClassName = ptr.To(s.StorageClassName)
	}
	return st
}

// smallResources fit 22 platforms' pods on two cores: a tenth of the
// defaults' requests.
func smallResources(cpu, memory, limit string) *corev1.ResourceRequirements {
	return &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(limit)},
	}
}

func withSize(s citySpec, dp *scidatav1.DataPlatform, replicas int32) *scidatav1.DataPlatform {
	dp.Spec.Portal.Replicas = ptr.To(replicas)
	if s.Small {
		dp.Spec.Portal.Replicas = ptr.To(int32(1))
		dp.Spec.ObjectStore.Resources = smallResources("10m", "48Mi", "256Mi")
		dp.Spec.Portal.Resources = smallResources("5m", "24Mi", "128Mi")
	}
	return dp
}

func quota(cpu, memory, storage string, pods int32) *scidatav1.Quota {
	return &scidatav1.Quota{
		CPU: ptr.To(resource.MustParse(cpu)), Memory: ptr.To(resource.MustParse(memory)),
		Storage: ptr.To(resource.MustParse(storage)), Pods: ptr.To(pods),
	}
}

func centerPlatform(s citySpec) *scidatav1.DataPlatform {
	dp := &scidatav1.DataPlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "DataPlatform"},
		ObjectMeta: metav1.ObjectMeta{Name: scidatav1.CenterName, Labels: map[string]string{"scidata.io/city": "bazhong"}},
		Spec: scidatav1.DataPlatformSpec{
			Role:              scidatav1.RoleCenter,
			Department:        scidatav1.Department{Code: centerDepartment.code, Name: centerDepartment.name, LocalName: centerDepartment.localName},
			Owners:            scidatav1.Owners{Groups: []string{"scidata-center-admins"}, Users: []string{"center-operator@bazhong.example.org"}},
			Storage:           storage(s, scidatav1.RetentionRetain),
			Quota:             quota("16", "32Gi", "4Ti", 200),
			MaxClassification: scidatav1.ClassificationConfidential,
			Network:           &scidatav1.PlatformNetwork{PublicNamespaces: []string{"ingress-nginx"}, PublicCIDRs: []string{"203.0.113.0/24"}},
			Upstream: &scidatav1.Upstream{
				Name: "Sichuan Provincial Scientific Data Center (sample)", Endpoint: "https://scidata.sc.example.org/api/",
				CIDRs: []string{"198.51.100.0/24"}, Port: 443,
			},
		},
	}
	return withSize(s, dp, 2)
}

func departmentPlatform(s citySpec, d department, i int) *scidatav1.DataPlatform {
	max := scidatav1.ClassificationInternal
	if cleared(i) {
		max = scidatav1.ClassificationConfidential
	}
	dp := &scidatav1.DataPlatform{
		TypeMeta:   metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "DataPlatform"},
		ObjectMeta: metav1.ObjectMeta{Name: d.code, Labels: map[string]string{"scidata.io/city": "bazhong"}},
		Spec: scidatav1.DataPlatformSpec{
			Role:              scidatav1.RoleDepartment,
			Department:        scidatav1.Department{Code: d.code, Name: d.name, LocalName: d.localName},
			Owners:            scidatav1.Owners{Groups: []string{"dept-" + d.code + "-admins"}},
			Storage:           storage(s, scidatav1.RetentionRetain),
			Quota:             quota("4", "8Gi", "400Gi", 40),
			MaxClassification: max,
		},
	}
	return withSize(s, dp, 1)
}

// subjects, data types and formats cycle through what a city's
// departments hold. Each subject has its code in the Center's subject code
// set (internal/submission/subjects.tsv, first levels of GB/T 13745), which
// the sample city's SubjectCode gate checks.
var (
	subjects = []struct{ name, keyword, code string }{
		{"Hydrology", "rainfall", "170"}, {"Agronomy", "soil", "210"}, {"Ecology", "biodiversity", "180"}, {"Meteorology", "temperature", "170"},
		{"Public health", "surveillance", "330"}, {"Transport", "traffic", "580"}, {"Geology", "landslide", "170"}, {"Forestry", "canopy", "220"},
		{"Economics", "enterprise", "790"}, {"Hydraulic engineering", "reservoir", "570"}, {"Surveying and mapping", "elevation", "420"},
		{"Environmental science", "air quality", "610"},
	}
	dataTypes = [][]scidatav1.DataType{
		{scidatav1.DataTypeTable, scidatav1.DataTypeNumeric},
		{scidatav1.DataTypeImage, scidatav1.DataTypeTable},
		{scidatav1.DataTypeText},
		{scidatav1.DataTypeNumeric},
		{scidatav1.DataTypeAudio, scidatav1.DataTypeText},
		{scidatav1.DataTypeVideo, scidatav1.DataTypeImage, scidatav1.DataTypeTable},
	}
	formats = [][]string{{"text/csv"}, {"image/tiff", "text/csv"}, {"application/pdf"}, {"application/x-netcdf"}, {"audio/wav", "text/plain"}, {"video/mp4", "image/jpeg"}}
)

// entry is the j-th entry of a department, in a mix a city's catalog
// shows: per ten entries, four Open, one Open under a paper's or patent's
// embargo (every fifth of those already passed), two Conditional (one of
// them personal information under a reviewed procedure), two Closed
// (one a trade secret), and one classified Confidential on the platforms
// cleared for it (Closed and Internal elsewhere). Seven in ten are
// publicly funded (six Government, one Mixed), in projects of about four
// datasets; the rest Private or unfunded. Classified data is always
// Government-funded.
func entry(s citySpec, d department, dp *scidatav1.DataPlatform, j int) *scidatav1.CatalogEntry {
	subj := subjects[j%len(subjects)]
	name := fmt.Sprintf("%s-%s-%04d", strings.ToLower(strings.ReplaceAll(subj.keyword, " ", "-")), shortCode(d.code), j)
	year := 2015 + j%11
	e := &scidatav1.CatalogEntry{
		TypeMeta: metav1.TypeMeta{APIVersion: scidatav1.GroupVersion.String(), Kind: "CatalogEntry"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: platform.Namespace(dp), Labels: map[string]string{
			"scidata.io/subject": strings.ToLower(strings.ReplaceAll(subj.name, " ", "-")),
		}},
		Spec: scidatav1.CatalogEntrySpec{
			Title:      fmt.Sprintf("%s observations of %s, series %d (%d)", subj.name, d.name, j, year),
			LocalTitle: fmt.Sprintf("%s%s观测数据第%d辑(%d年)", d.localName, subj.name, j, year),
			Description: fmt.Sprintf("Station and field records of %s collected by %s from %d to %d: %s measurements "+
				"at %d sites, quality-controlled by duplicate analysis and checked against the national standard "+
				"before release. The series continues the department's monitoring programme and is updated each "+
				"year; each version is a complete snapshot of the curated dataset, with its methods, units and "+
				"site descriptions in the README.", strings.ToLower(subj.name), d.name, year, year+1, subj.keyword, 5+j%40),
			Subject:               subj.name,
			SubjectCode:           subj.code,
			Keywords:              []string{subj.keyword, strings.ToLower(subj.name), "bazhong", fmt.Sprintf("series-%d", j%7)},
			DataTypes:             dataTypes[j%len(dataTypes)],
			ResponsibleDepartment: scidatav1.Department{Code: d.code, Name: d.name, LocalName: d.localName},
			ProvidingDepartment:   scidatav1.Provider{Name: fmt.Sprintf("%s monitoring unit %d", d.name, 1+j%5), Code: fmt.Sprintf("SAMPLE-USCC-%04d", j%97)},
			Data: scidatav1.DataLocation{
				Prefix:         fmt.Sprintf("%s/%s/%04d/", slug(subj.name), slug(subj.keyword), j),
				ContentVersion: fmt.Sprintf("%d.%d", year+1, 1+j%12),
				Formats:        formats[j%len(formats)],
				CreatedAt:      &metav1.Time{Time: time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)},
			},
			License:      &scidatav1.License{Name: "CC-BY-4.0", URL: "https://creativecommons.org/licenses/by/4.0/"},
			Sharing:      scidatav1.Sharing{Mode: scidatav1.SharingOpen, Scope: "Research and public use with attribution", Fees: &scidatav1.Fees{Model: scidatav1.FeeFree}},
			AccessMethod: scidatav1.AccessMethod{Type: scidatav1.AccessDownload, URL: fmt.Sprintf("https://data.bazhong.example.org/%s/%s/", d.code, name)},
			Contact:      &scidatav1.Contact{Name: "Data steward, " + d.name, Email: "data@" + d.code + ".bazhong.example.org"},
		},
	}
	setSharing(s, e, dp, j)
	setFunding(s, e, d, j)
	if j%3 == 0 {
		e.Spec.Identifiers = &scidatav1.Identifiers{DOI: fmt.Sprintf("10.12345/bz.%s.%04d", shortCode(d.code), j)}
		e.Spec.Citation = fmt.Sprintf("%s (%d). %s, version %s. Bazhong Scientific Data Center.", d.name, year+1, e.Spec.Title, e.Spec.Data.ContentVersion)
	}
	return e
}

func setSharing(s citySpec, e *scidatav1.CatalogEntry, dp *scidatav1.DataPlatform, j int) {
	sh := &e.Spec.Sharing
	e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationPublic}
	switch j % 10 {
	case 0, 1, 2, 3:
	case 4:
		until := s.Now.AddDate(1, j%12, 0).UTC().Truncate(24 * time.Hour)
		if j%50 == 4 {
			until = s.Now.AddDate(0, -2, 0).UTC().Truncate(24 * time.Hour) // passed: the entry is open
		}
		reason := scidatav1.EmbargoPaper
		if j%20 == 14 {
			reason = scidatav1.EmbargoPatent
		}
		sh.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(until), Reason: reason, Note: "Opens when the paper built on it is published, and no later than this date."}
		e.Spec.Publications = []scidatav1.Publication{{Title: e.Spec.Title + ": first results", Status: scidatav1.PublicationSubmitted}}
	case 5:
		sh.Mode = scidatav1.SharingConditional
		sh.Conditions = "Registered researchers of accredited institutions, for non-commercial research, citing the dataset."
		sh.Audience = "Researchers"
	case 6:
		sh.Mode = scidatav1.SharingConditional
		sh.Conditions = "Anonymised extracts only, for public-health research approved by an ethics committee."
		sh.ReviewProcedure = "The department's data committee reviews the purpose, the user's qualification and the safeguards within 20 working days."
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityPersonalInformation}}
	case 7:
		sh.Mode = scidatav1.SharingClosed
		e.Spec.Classification.Level = scidatav1.ClassificationInternal
	case 8:
		sh.Mode = scidatav1.SharingClosed
		e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationInternal, Sensitivities: []scidatav1.Sensitivity{scidatav1.SensitivityTradeSecret}}
	case 9:
		sh.Mode = scidatav1.SharingClosed
		sh.Fees = nil
		e.Spec.Classification.Level = scidatav1.ClassificationInternal
		if dp.Spec.MaxClassification == scidatav1.ClassificationConfidential {
			end := metav1.NewTime(s.Now.AddDate(10, 0, 0).UTC().Truncate(24 * time.Hour))
			e.Spec.Classification = &scidatav1.Classification{Level: scidatav1.ClassificationConfidential, SecrecyPeriodEnd: &end, Authority: "Municipal secrecy bureau"}
			e.Spec.AccessMethod = scidatav1.AccessMethod{Type: scidatav1.AccessOffline, Instructions: "Through the secrecy channel the rules prescribe."}
			e.Spec.License = nil
		}
	}
}

func setFunding(s citySpec, e *scidatav1.CatalogEntry, d department, j int) {
	classified := e.Spec.Classification.Level == scidatav1.ClassificationConfidential
	f := &scidatav1.Funding{Programme: "Bazhong City Science and Technology Plan"}
	switch {
	case classified || j%10 < 6:
		f.Source = scidatav1.FundingGovernment
	case j%10 == 6:
		f.Source = scidatav1.FundingMixed
	case j%10 < 9:
		f.Source = scidatav1.FundingPrivate
		f.Programme = "Enterprise research"
	default:
		e.Spec.Funding = nil
		e.Labels["scidata.io/funding"] = "none"
		return
	}
	if f.Source == scidatav1.FundingGovernment || f.Source == scidatav1.FundingMixed {
		f.ProjectID = fmt.Sprintf("BZKJ-%s-%03d", shortCode(d.code), j/4)
		at := metav1.NewTime(s.Now.AddDate(1, j%18, 0).UTC().Truncate(24 * time.Hour))
		f.AcceptanceDate = &at
	}
	e.Spec.Funding = f
	e.Labels["scidata.io/funding"] = strings.ToLower(string(f.Source))
}

// shortCode is a department code without its vowels after the first
// letter of each word, so that entry names stay short and readable.
func shortCode(code string) string {
	var b strings.Builder
	for _, w := range strings.Split(code, "-") {
		for i, r := range w {
			if i == 0 || !strings.ContainsRune("aeiou", r) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Simulated nodes bind no volumes: the scale bench gives every platform's
// claim a static PersistentVolume of a class without a provisioner, and
// Kubernetes' own PV controller binds them.
const staticClass = "scidata-bench-static"

func staticStorageClass() *storagev1.StorageClass {
	return &storagev1.StorageClass{
		TypeMeta:          metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
		ObjectMeta:        metav1.ObjectMeta{Name: staticClass},
		Provisioner:       "kubernetes.io/no-provisioner",
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
	}
}

// staticVolumes are n volumes of size in the static class, reclaimed with
// Delete as a dynamic provisioner's would be, so that the operator's own
// step that sets Retain on a bound volume runs as in a real city.
func staticVolumes(n int, size string) []*corev1.PersistentVolume {
	out := make([]*corev1.PersistentVolume, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, &corev1.PersistentVolume{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-pv-%03d", i)},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				StorageClassName:              staticClass,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: fmt.Sprintf("/tmp/scidata-bench/pv-%03d", i)}},
			},
		})
	}
	return out
}

// slug is a name as a path segment of a data prefix: lower case, spaces
// as hyphens (the CRD's prefix pattern allows no space).
func slug(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}
