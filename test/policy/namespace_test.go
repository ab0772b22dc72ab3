package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

const managerUser = "system:serviceaccount:scidata-system:scidata-operator-manager"

// waitForPolicies waits until every policy of config/admission is live:
// the apiserver compiles a policy a moment after it is created. A probe
// namespace is refused deletion once the namespace policy is live, and the
// others are created with it.
func waitForPolicies(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	// Platform namespaces are the operator's to make and label.
	probe := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-policy-probe", Labels: map[string]string{scidatav1.LabelPlatform: "policy-probe"}}}
	if err := asManager(t).Create(ctx, probe); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = env.Client.Delete(ctx, probe, client.DryRunAll)
		return last != nil, nil
	})
	if err != nil {
		t.Fatalf("the admission policies never became live: %v", last)
	}
}

// as is a client acting as user in groups, with the given RBAC rules
// granted cluster-wide.
func as(t *testing.T, user string, rules ...rbacv1.PolicyRule) client.Client {
	t.Helper()
	ctx := context.Background()
	name := "test-" + strings.NewReplacer(":", "-", "@", "-").Replace(user)
	if len(rules) > 0 {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
		if strings.HasPrefix(user, "system:serviceaccount:") {
			parts := strings.Split(user, ":")
			binding.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: parts[2], Name: parts[3]}}
		}
		for _, o := range []client.Object{role, binding} {
			if err := env.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
		}
	}
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// asManager is a client that acts as the operator's service account, with
// the RBAC the manager's generated ClusterRole gives it over namespaces.
func asManager(t *testing.T) client.Client {
	t.Helper()
	return as(t, managerUser,
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "create", "patch", "update", "delete"}},
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"submissions", "submissions/status", "projects", "projects/status"}, Verbs: []string{"get", "create", "update", "patch"}},
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"accessrequests", "accessrequests/status"}, Verbs: []string{"get", "update", "patch"}})
}

// A platform's namespace cannot be deleted directly, by anyone; only the
// operator may mark it for deletion, and then delete it.
func TestPlatformNamespaceIsProtected(t *testing.T) {
	ctx := context.Background()
	installAdmission(t)
	waitForPolicies(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-protected", Labels: map[string]string{scidatav1.LabelPlatform: "protected"}}}
	if err := asManager(t).Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	last := env.Client.Delete(ctx, ns, client.DryRunAll)
	if !apierrors.IsForbidden(last) || !strings.Contains(last.Error(), "delete the DataPlatform with spec.storage.retention Delete") {
		t.Fatalf("refused with %v; want Forbidden naming the way to delete it", last)
	}

	t.Run("nobody but the operator marks it for deletion", func(t *testing.T) {
		patch := client.MergeFrom(ns.DeepCopy())
		ns.Annotations = map[string]string{scidatav1.AnnotationDeletionApproved: "true"}
		err := env.Client.Patch(ctx, ns, patch)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "is set only by the operator") {
			t.Fatalf("an administrator marked the namespace: %v", err)
		}
	})
	t.Run("other namespaces are not touched by the policy", func(t *testing.T) {
		plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ordinary-namespace"}}
		if err := env.Client.Create(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Delete(ctx, plain); err != nil {
			t.Fatalf("deleting an ordinary namespace: %v", err)
		}
	})
	t.Run("the operator marks it and deletes it", func(t *testing.T) {
		mgr := asManager(t)
		var live corev1.Namespace
		if err := mgr.Get(ctx, types.NamespacedName{Name: ns.Name}, &live); err != nil {
			t.Fatal(err)
		}
		patch := client.MergeFrom(live.DeepCopy())
		live.Annotations = map[string]string{scidatav1.AnnotationDeletionApproved: "true"}
		if err := mgr.Patch(ctx, &live, patch); err != nil {
			t.Fatalf("the operator could not mark the namespace: %v", err)
		}
		if err := mgr.Delete(ctx, &live); err != nil {
			t.Fatalf("the operator could not delete the marked namespace: %v", err)
		}
		if err := env.Client.Get(ctx, types.NamespacedName{Name: ns.Name}, &live); err == nil && live.DeletionTimestamp.IsZero() {
			t.Fatal(fmt.Errorf("namespace not deleting"))
		}
	})
}

// The labels that make a namespace a platform's are the operator's: an
// administrator can neither make a namespace look like a platform's nor
// change a platform namespace's role, department or clearance; other
// labels stay free; the operator sets them.
func TestPlatformNamespaceLabelsAreTheOperators(t *testing.T) {
	ctx := context.Background()
	installAdmission(t)
	waitForPolicies(t)
	testenv.Eventually(t, 30*time.Second, func() error {
		fake := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pretend-department", Labels: map[string]string{scidatav1.LabelRole: scidatav1.RoleLabelDepartment}}}
		err := env.Client.Create(ctx, fake, client.DryRunAll)
		if err == nil {
			return fmt.Errorf("an administrator labelled a namespace %s=%s", scidatav1.LabelRole, scidatav1.RoleLabelDepartment)
		}
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "metadata.labels[scidata.io/role] of namespace pretend-department are set only by the operator") {
			return fmt.Errorf("refused for another reason: %w", err)
		}
		return nil
	})

	mgr := asManager(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scidata-labelled", Labels: map[string]string{
		scidatav1.LabelPlatform: "labelled", scidatav1.LabelRole: scidatav1.RoleLabelDepartment,
		scidatav1.LabelDepartment: "labelled", scidatav1.LabelMaxClassification: string(scidatav1.ClassificationInternal)}}}
	if err := mgr.Create(ctx, ns); err != nil {
		t.Fatalf("the operator made a platform namespace: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(map[string]string)
		refuse string
	}{
		{"raise the clearance", func(l map[string]string) {
			l[scidatav1.LabelMaxClassification] = string(scidatav1.ClassificationSecret)
		}, "scidata.io/max-classification"},
		{"change the department", func(l map[string]string) { l[scidatav1.LabelDepartment] = "other" }, "scidata.io/department"},
		{"drop the platform label", func(l map[string]string) { delete(l, scidatav1.LabelPlatform) }, "scidata.io/platform"},
		{"add an unrelated label", func(l map[string]string) { l["team"] = "hydrology" }, ""},
	} {
		t.Run("an administrator tries to "+tc.name, func(t *testing.T) {
			var live corev1.Namespace
			if err := env.Client.Get(ctx, types.NamespacedName{Name: ns.Name}, &live); err != nil {
				t.Fatal(err)
			}
			tc.change(live.Labels)
			err := env.Client.Update(ctx, &live, client.DryRunAll)
			switch {
			case tc.refuse == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse) || !strings.Contains(err.Error(), "set only by the operator")):
				t.Fatalf("got %v, want a refusal naming %s", err, tc.refuse)
			}
		})
	}
	t.Run("the operator changes them", func(t *testing.T) {
		var live corev1.Namespace
		if err := mgr.Get(ctx, types.NamespacedName{Name: ns.Name}, &live); err != nil {
			t.Fatal(err)
		}
		live.Labels[scidatav1.LabelMaxClassification] = string(scidatav1.ClassificationConfidential)
		if err := mgr.Update(ctx, &live, client.DryRunAll); err != nil {
			t.Fatalf("the operator was refused: %v", err)
		}
	})
}
