package chart

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// as is a client that acts as user, impersonated.
func as(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func submission(ns, name string) *scidatav1.Submission {
	return &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.SubmissionSpec{
			Entry: scidatav1.LocalObjectReference{Name: "rainfall"}, EntryUID: "uid-rainfall", Department: "water-resources",
			ContentVersion: "2024.06", SourcePrefix: "hydrology/rainfall/", Policy: ns + "/funded",
		},
	}
}

// helm install, upgrade and uninstall against a real apiserver, for a
// release whose every name differs from the kustomize install's:
//   - install creates the manager, its RBAC and the admission policies,
//     and its notes say what to do next;
//   - the policies recognise the release's manager (it may create a
//     Submission) and nobody else, the kustomize install's identity
//     included;
//   - upgrade to one replica removes the PodDisruptionBudget and keeps the
//     city's objects;
//   - uninstall removes what the release made and keeps the CRDs, the
//     DataPlatforms and the Submissions.
//
// No controller runs here (the manager's pods need a node: the real-node
// test is test/e2e/helm_test.go); this proves what Helm and the apiserver
// do with the chart.
func TestHelmInstallUpgradeUninstallKeepTheCity(t *testing.T) {
	const ns, release = "city-ops", "sdo"
	const manager = "sdo-scidata-operator-manager"
	const managerUser = "system:serviceaccount:" + ns + ":" + manager
	restrictedNamespace(t, ns)

	notes, err := helm(t, append([]string{"install"}, nonDefault.args()...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kubectl -n city-ops rollout status deployment/" + manager,
		"kubectl get dataplatforms",
		"kubectl wait dataplatform/center --for=condition=Ready",
		"kubectl apply --server-side --force-conflicts -f <chart>/crds/",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("the install notes do not say %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "WARNING") {
		t.Errorf("the notes warn although %s enforces restricted:\n%s", ns, notes)
	}

	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: manager}}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: manager}}
	for _, o := range []client.Object{
		deploy, pdb,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: manager}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: manager}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: manager}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sdo-scidata-operator-leader-election"}},
		&admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "scidata-submission-records"}},
	} {
		if err := exists(o); err != nil {
			t.Errorf("after helm install: %v", err)
		}
	}

	// The city: the Center, and a Submission the release's manager makes.
	objs, err := testenv.ReadObjects(filepath.Join(root, "config", "samples", "00-center.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	center := objs[0]
	if center.GetKind() != "DataPlatform" || center.GetName() != "center" {
		t.Fatalf("config/samples/00-center.yaml starts with %s, want DataPlatform center", id(center))
	}
	if err := k8s.Create(ctx(), center); err != nil {
		t.Fatal(err)
	}
	const dept = "scidata-water-resources"
	if err := k8s.Create(ctx(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: dept}}); err != nil {
		t.Fatal(err)
	}
	// The kustomize install's identity, given the same rights, is not the
	// release's manager: the policy refuses it once in force.
	kustomizeUser := "system:serviceaccount:scidata-system:scidata-operator-manager"
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "chart-test-other-manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: manager},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: kustomizeUser}},
	}
	if err := k8s.Create(ctx(), binding); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		err := as(t, kustomizeUser).Create(ctx(), submission(dept, "probe"), client.DryRunAll)
		if err == nil {
			return fmt.Errorf("%s may still create a Submission: the policy is not in force yet", kustomizeUser)
		}
		if !strings.Contains(err.Error(), "Submissions are created by the operator") {
			return fmt.Errorf("%s is refused for another reason than the policy: %w", kustomizeUser, err)
		}
		return nil
	})
	sub := submission(dept, "rainfall-3f2a9c1b")
	if err := as(t, managerUser).Create(ctx(), sub); err != nil {
		t.Fatalf("the release's manager %s may not create a Submission: %v", managerUser, err)
	}

	// The release's bound on the Center's upstream (nonDefault sets
	// admission.upstreamCIDR.minIPv4PrefixLength=16) is the one in force.
	upstream := func(cidr string) error {
		c := center.DeepCopy()
		if err := unstructured.SetNestedStringSlice(c.Object, []string{cidr}, "spec", "upstream", "cidrs"); err != nil {
			t.Fatal(err)
		}
		return k8s.Update(ctx(), c, client.DryRunAll)
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		err := upstream("10.0.0.0/15")
		if err == nil {
			return errors.New("an upstream /15 under the release's bound /16 is accepted")
		}
		if !strings.Contains(err.Error(), "10.0.0.0/15 is wider than this install allows (IPv4 /16") {
			return fmt.Errorf("an upstream /15 under the release's bound /16: %w", err)
		}
		return nil
	})
	if err := upstream("10.1.0.0/16"); err != nil {
		t.Errorf("an upstream /16 is refused although the release allows /16: %v", err)
	}

	if _, err := helm(t, "upgrade", release, chartDir, "--namespace", ns, "--reuse-values", "--set", "replicas=1"); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Get(ctx(), client.ObjectKeyFromObject(deploy), deploy); err != nil {
		t.Fatal(err)
	}
	if *deploy.Spec.Replicas != 1 {
		t.Errorf("after upgrade to replicas=1 the Deployment has %d", *deploy.Spec.Replicas)
	}
	if err := exists(pdb); !apierrors.IsNotFound(err) {
		t.Errorf("after upgrade to one replica the PodDisruptionBudget should be gone: %v", err)
	}
	for _, o := range []client.Object{center.DeepCopy(), sub.DeepCopy()} {
		if err := exists(o); err != nil {
			t.Errorf("after helm upgrade: %v", err)
		}
	}

	out, err := helm(t, "uninstall", release, "--namespace", ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("helm uninstall: %s", strings.TrimSpace(out))
	for _, o := range []client.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: manager}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: manager}},
		&admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "scidata-submission-records"}},
	} {
		if err := exists(o); !apierrors.IsNotFound(err) {
			t.Errorf("after helm uninstall %T %s should be gone: %v", o, o.GetName(), err)
		}
	}
	kept := []client.Object{center.DeepCopy(), sub.DeepCopy(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}}
	for _, crd := range []string{"dataplatforms", "catalogentries", "submissionpolicies", "submissions"} {
		kept = append(kept, &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: crd + ".scidata.io"}})
	}
	for _, o := range kept {
		if err := exists(o); err != nil {
			t.Errorf("helm uninstall must keep it: %v", err)
		}
	}
	_ = k8s.Delete(ctx(), binding)
}

// The notes warn when the release namespace does not enforce the
// restricted Pod Security Standard, and say how to enforce it.
func TestTheNotesWarnOfANamespaceThatIsNotRestricted(t *testing.T) {
	const ns = "lax-ops"
	if err := k8s.Create(ctx(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	notes, err := helm(t, "install", "lax", chartDir, "--namespace", ns, "--dry-run=server")
	if err != nil {
		t.Fatal(err)
	}
	want := "kubectl label namespace lax-ops pod-security.kubernetes.io/enforce=restricted"
	if !strings.Contains(notes, "WARNING") || !strings.Contains(notes, want) {
		t.Errorf("the notes for a namespace without Pod Security labels do not warn with %q:\n%s", want, notes)
	}
}
