// Package gitops tests what GitOps tools read: the Argo CD health check
// shipped in config/gitops/argocd, run with gopher-lua (the Lua engine Argo
// CD embeds) against objects as the operator writes their status; and the
// Flux examples in config/gitops/flux, against Flux's own Kustomization CRD
// on a real kube-apiserver and against the sample city.
package gitops

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

var kinds = []string{"DataPlatform", "CatalogEntry", "SubmissionPolicy", "Submission", "AccessRequest"}

func readScripts(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "config", "gitops", "argocd")
	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "argocd-cm-patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var patch struct{ Data map[string]string }
	if err := yaml.Unmarshal(b, &patch); err != nil {
		t.Fatal(err)
	}
	return string(script), patch.Data
}

// The argocd-cm patch carries health.lua, unchanged, for every kind.
func TestTheConfigMapPatchCarriesTheScriptForEveryKind(t *testing.T) {
	script, data := readScripts(t)
	for _, kind := range kinds {
		got, ok := data["resource.customizations.health.scidata.io_"+kind]
		if !ok {
			t.Errorf("no health check for %s", kind)
			continue
		}
		if strings.TrimSpace(got) != strings.TrimSpace(script) {
			t.Errorf("the %s health check differs from health.lua", kind)
		}
	}
}

// toLua turns a JSON value into the Lua value Argo CD gives a script.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		tbl := L.NewTable()
		for k, x := range v {
			tbl.RawSetString(k, toLua(L, x))
		}
		return tbl
	case []any:
		tbl := L.NewTable()
		for _, x := range v {
			tbl.Append(toLua(L, x))
		}
		return tbl
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

// health runs the script on obj as Argo CD does and returns its verdict.
func health(t *testing.T, script string, obj any) (string, string) {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: false})
	defer L.Close()
	L.SetGlobal("obj", toLua(L, m))
	fn, err := L.LoadString(script)
	if err != nil {
		t.Fatalf("the script does not compile: %v", err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		t.Fatalf("the script failed: %v", err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("the script returned %s, not a table", L.Get(-1).Type())
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

func cond(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.Now()}
}

func TestHealth(t *testing.T) {
	script, _ := readScripts(t)
	platform := func(gen, observed int64, conds ...metav1.Condition) *scidatav1.DataPlatform {
		dp := &scidatav1.DataPlatform{TypeMeta: metav1.TypeMeta{APIVersion: "scidata.io/v1alpha1", Kind: "DataPlatform"},
			ObjectMeta: metav1.ObjectMeta{Name: "water", Generation: gen}}
		dp.Status.ObservedGeneration = observed
		dp.Status.Conditions = conds
		return dp
	}
	cases := []struct {
		name        string
		obj         any
		status, msg string
	}{
		{"not yet reconciled", platform(1, 0), "Progressing", "waiting for the operator"},
		{"ready at the current generation", platform(2, 2, cond("Ready", "True", "Ready", "the platform's store, portal and network isolation are in place")),
			"Healthy", "network isolation are in place"},
		{"ready, but a newer generation is not yet seen", platform(3, 2, cond("Ready", "True", "Ready", "old news")),
			"Progressing", "not yet seen generation 3"},
		{"waiting on its workloads", platform(1, 1, cond("Ready", "False", "VolumePending", "claim data-objectstore-0 is Pending"),
			cond("Reconciling", "True", "Progressing", "claim data-objectstore-0 is Pending")), "Progressing", "claim data-objectstore-0 is Pending"},
		{"stalled on a conflict a person must resolve", platform(1, 1, cond("Ready", "False", "NamespaceConflict", "x"),
			cond("Stalled", "True", "NamespaceConflict", "namespace scidata-water holds the retained data of platform water")),
			"Degraded", "NamespaceConflict: namespace scidata-water holds"},
		{"a denied submission", &scidatav1.Submission{TypeMeta: metav1.TypeMeta{Kind: "Submission"}, ObjectMeta: metav1.ObjectMeta{Generation: 1},
			Status: scidatav1.SubmissionStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
				cond("Ready", "False", "Denied", "denied by alice: metadata incomplete"), cond("Stalled", "True", "Denied", "denied by alice: metadata incomplete")}}},
			"Degraded", "Denied: denied by alice"},
		{"a received submission", &scidatav1.Submission{TypeMeta: metav1.TypeMeta{Kind: "Submission"}, ObjectMeta: metav1.ObjectMeta{Generation: 1},
			Status: scidatav1.SubmissionStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
				cond("Ready", "True", "Received", "the Center received the data")}}},
			"Healthy", "received the data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, msg := health(t, script, tc.obj)
			if status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Fatalf("health %s %q, want %s containing %q", status, msg, tc.status, tc.msg)
			}
		})
	}
}
