package admission

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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
	if len(files) != 4 {
		t.Fatalf("want 4 CRDs, found %d", len(files))
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
			undocumented(v.Schema.OpenAPIV3Schema.Properties["spec"], crd.Spec.Names.Kind+".spec", &missing)
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
