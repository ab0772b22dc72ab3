package admission

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// Every field of every kind has a description, so `kubectl explain` answers
// a department's question about any field.
func TestEveryFieldIsDocumented(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if len(files) != 6 {
		t.Fatalf("want 6 CRDs, found %d", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, v := range crd.Spec.Versions {
			if spec, ok := v.Schema.OpenAPIV3Schema.Properties["spec"]; ok || crd.Spec.Names.Kind != "Project" {
				undocumented(spec, crd.Spec.Names.Kind+".spec", &missing) // a Project is status only
			}
			undocumented(v.Schema.OpenAPIV3Schema.Properties["status"], crd.Spec.Names.Kind+".status", &missing)
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: fields without a description:\n  %s", filepath.Base(f), strings.Join(missing, "\n  "))
		}
	}
}

func undocumented(s apiextensionsv1.JSONSchemaProps, path string, missing *[]string) {
	if strings.TrimSpace(s.Description) == "" {
		*missing = append(*missing, path)
	}
	for name, p := range s.Properties {
		undocumented(p, path+"."+name, missing)
	}
	if s.Items != nil && s.Items.Schema != nil {
		for name, p := range s.Items.Schema.Properties {
			undocumented(p, path+"[]."+name, missing)
		}
	}
}

// `kubectl explain` against the real apiserver describes every field of a
// CatalogEntry's sharing terms.
func TestKubectlExplainDescribesSharing(t *testing.T) {
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("kubectl is missing from KUBEBUILDER_ASSETS: run hack/build-k8s.sh (%v)", err)
	}
	kubeconfig := writeKubeconfig(t)
	out, err := exec.Command(kubectl, "--kubeconfig", kubeconfig, "explain", "catalogentry.spec.sharing", "--recursive=false").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl explain: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"sharing attribute", "mode", "Open, Conditional or Closed", "conditions", "audience", "scope",
		"reviewProcedure", "fees", "embargo", "opens by itself on that date",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("kubectl explain catalogentry.spec.sharing lacks %q:\n%s", want, text)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("kubectl explain catalogentry.spec.sharing:\n%s", text)
}

func writeKubeconfig(t *testing.T) string {
	t.Helper()
	cfg := env.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// markdownTables returns every table of a Markdown document: its rows of
// cells, the header first, without the separator line. A cell may hold an
// escaped \|.
func markdownTables(doc string) [][][]string {
	var tables [][][]string
	var cur [][]string
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if cur != nil {
				tables = append(tables, cur)
				cur = nil
			}
			continue
		}
		if strings.HasPrefix(line, "|---") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.ReplaceAll(strings.Trim(line, "|"), `\|`, "\x00"), "|") {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|")))
		}
		cur = append(cur, cells)
	}
	if cur != nil {
		tables = append(tables, cur)
	}
	return tables
}

var backticked = regexp.MustCompile("`([^`]+)`")

func admissionDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "admission.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testSources is the text of every test file of the module but e2e's,
// where the named tests of the rules live.
func testSources(t *testing.T) string {
	t.Helper()
	var all strings.Builder
	for _, dir := range []string{"test", "controllers", "internal"} {
		err := filepath.WalkDir(filepath.Join(testenv.RepoRoot(), dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") || strings.Contains(p, "/e2e/") {
				return err
			}
			b, err := os.ReadFile(p)
			all.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return all.String()
}

// Every rule docs/admission.md lists names, in its Proved by column, a test
// that exists: a row of this package's tables, a subtest or table case, or
// a test function.
func TestEveryDocumentedRuleIsProved(t *testing.T) {
	rows := map[string]bool{}
	for _, r := range append(invalidRows(), hostileRows()...) {
		rows[r.name] = true
	}
	src := testSources(t)
	known := func(name string) bool {
		if rows[name] {
			return true
		}
		for _, form := range []string{`t.Run("` + name + `"`, `{"` + name + `"`, `name: "` + name + `"`, "func " + name + "("} {
			if strings.Contains(src, form) {
				return true
			}
		}
		return false
	}
	rules := 0
	for _, table := range markdownTables(admissionDoc(t)) {
		col := slices.Index(table[0], "Proved by")
		if col < 0 {
			continue
		}
		for _, r := range table[1:] {
			rules++
			if col >= len(r) {
				t.Errorf("the rule %q has no Proved by cell", strings.Join(r, " | "))
				continue
			}
			names := backticked.FindAllStringSubmatch(r[col], -1)
			if len(names) == 0 {
				t.Errorf("the rule on %s names no test", r[0])
			}
			for _, n := range names {
				if !known(n[1]) {
					t.Errorf("the rule on %s names %q, which is no test, row or case", r[0], n[1])
				}
			}
		}
	}
	if rules < 60 {
		t.Errorf("docs/admission.md lists %d rules with their tests; it should list every rule", rules)
	}
}

// Every bound of the bounds table in docs/admission.md is the generated
// CRDs' own.
func TestTheDocumentedBoundsAreTheCRDs(t *testing.T) {
	crds := map[string]apiextensionsv1.JSONSchemaProps{}
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		crds[crd.Spec.Names.Kind] = *crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	}
	checked := 0
	for _, table := range markdownTables(admissionDoc(t)) {
		if strings.Join(table[0], "|") != "Kind|Field|Bounds" {
			continue
		}
		for _, r := range table[1:] {
			root, ok := crds[r[0]]
			if !ok {
				t.Errorf("no CRD of kind %s", r[0])
				continue
			}
			path := strings.Trim(r[1], "`")
			s, parent, ok := schemaAt(root, path)
			if !ok {
				t.Errorf("%s has no field %s", r[0], path)
				continue
			}
			for _, b := range strings.Split(r[2], ";") {
				checked++
				if err := checkBound(s, parent, path, strings.TrimSpace(b)); err != nil {
					t.Errorf("%s %s: %v", r[0], path, err)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked %d bounds; the table lists more", checked)
	}
}

// schemaAt walks a dotted path ("spec.owners.serviceAccounts[].name") and
// returns the field's schema and its parent's.
func schemaAt(root apiextensionsv1.JSONSchemaProps, path string) (s, parent apiextensionsv1.JSONSchemaProps, ok bool) {
	s = root
	for _, seg := range strings.Split(path, ".") {
		list := strings.HasSuffix(seg, "[]")
		parent = s
		s, ok = s.Properties[strings.TrimSuffix(seg, "[]")]
		if !ok {
			return s, parent, false
		}
		if list {
			if s.Items == nil || s.Items.Schema == nil {
				return s, parent, false
			}
			s = *s.Items.Schema
		}
	}
	return s, parent, true
}

func checkBound(s, parent apiextensionsv1.JSONSchemaProps, path, bound string) error {
	if rest, ok := strings.CutPrefix(bound, "items "); ok {
		if s.Items == nil || s.Items.Schema == nil {
			return fmt.Errorf("%q: not a list", bound)
		}
		return checkBound(*s.Items.Schema, s, path+"[]", rest)
	}
	word, arg, _ := strings.Cut(bound, " ")
	arg = strings.Trim(arg, "`")
	num := func(p *int64) error {
		if p == nil || strconv.FormatInt(*p, 10) != arg {
			return fmt.Errorf("%s is %v in the CRD, %s in the doc", word, deref(p), arg)
		}
		return nil
	}
	switch word {
	case "required":
		name := path[strings.LastIndex(path, ".")+1:]
		if !slices.Contains(parent.Required, name) {
			return fmt.Errorf("not required in the CRD")
		}
	case "minLength":
		return num(s.MinLength)
	case "maxLength":
		return num(s.MaxLength)
	case "minItems":
		return num(s.MinItems)
	case "maxItems":
		return num(s.MaxItems)
	case "minimum", "maximum":
		p := s.Minimum
		if word == "maximum" {
			p = s.Maximum
		}
		if p == nil || strconv.FormatFloat(*p, 'f', -1, 64) != arg {
			got := "unset"
			if p != nil {
				got = strconv.FormatFloat(*p, 'f', -1, 64)
			}
			return fmt.Errorf("%s is %s in the CRD, %s in the doc", word, got, arg)
		}
	case "pattern":
		if s.Pattern != arg {
			return fmt.Errorf("pattern is %q in the CRD, %q in the doc", s.Pattern, arg)
		}
	case "enum":
		var got []string
		for _, e := range s.Enum {
			got = append(got, strings.Trim(string(e.Raw), `"`))
		}
		if strings.Join(got, ", ") != arg {
			return fmt.Errorf("enum is %v in the CRD, %s in the doc", got, arg)
		}
	case "default":
		if s.Default == nil || strings.Trim(string(s.Default.Raw), `"`) != arg {
			return fmt.Errorf("default is %v in the CRD, %s in the doc", s.Default, arg)
		}
	default:
		return fmt.Errorf("unknown bound %q", bound)
	}
	return nil
}

func deref(p *int64) any {
	if p == nil {
		return "unset"
	}
	return *p
}
