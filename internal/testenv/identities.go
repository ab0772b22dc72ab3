package testenv

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// ManagerUser is the identity config/default runs the manager as; the
// admission policies tell the operator apart by it.
const ManagerUser = "system:serviceaccount:scidata-system:scidata-operator-manager"

// ManagerConfig returns a config that acts as the manager's ServiceAccount
// with exactly the ClusterRole `make manifests` generates from the RBAC
// markers (config/rbac/role.yaml), so that a test runs the controllers with
// the rights, and under the admission policies, of the installed operator.
func (e *Env) ManagerConfig(ctx context.Context) (*rest.Config, error) {
	objs, err := ReadObjects(filepath.Join(RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if err := e.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "scidata-operator-manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "scidata-operator-manager"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "scidata-operator-manager", Namespace: "scidata-system"}},
	}
	if err := e.Client.Create(ctx, binding); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("bind the manager's role: %w", err)
	}
	return e.Impersonating(ManagerUser), nil
}

// Impersonating returns a config that acts as user, in the groups the
// apiserver gives such an identity (a ServiceAccount's or an ordinary
// authenticated user's).
func (e *Env) Impersonating(user string) *rest.Config {
	groups := []string{"system:authenticated"}
	if parts := strings.Split(user, ":"); len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" {
		groups = append(groups, "system:serviceaccounts", "system:serviceaccounts:"+parts[2])
	}
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return cfg
}

// ClientAs is a client acting as user (Impersonating).
func (e *Env) ClientAs(user string) (client.Client, error) {
	return client.New(e.Impersonating(user), client.Options{Scheme: scheme.New()})
}

// Grant binds a ClusterRole of rules to user (a user name, or a
// ServiceAccount's system:serviceaccount:<namespace>:<name>): cluster-wide
// when namespace is empty, else by a RoleBinding in namespace. name names
// the role and its binding.
func (e *Env) Grant(ctx context.Context, name, user, namespace string, rules ...rbacv1.PolicyRule) error {
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
	if err := e.Client.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return e.Bind(ctx, name, name, user, namespace)
}

// Bind binds the ClusterRole role to user, cluster-wide when namespace is
// empty, else in namespace; binding names the binding.
func (e *Env) Bind(ctx context.Context, binding, role, user, namespace string) error {
	subject := rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}
	if parts := strings.Split(user, ":"); len(parts) == 4 && parts[1] == "serviceaccount" {
		subject = rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: parts[2], Name: parts[3]}
	}
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}
	var b client.Object = &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: binding}, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
	if namespace != "" {
		b = &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: binding, Namespace: namespace}, RoleRef: ref, Subjects: []rbacv1.Subject{subject}}
	}
	if err := e.Client.Create(ctx, b); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return e.waitBound(ctx, role, subject, namespace)
}

// waitBound returns once the apiserver's authorizer sees the binding: its
// RBAC informer takes a moment, under load up to seconds, and a request
// made before that is refused although the binding exists. It asks a
// SubjectAccessReview for the role's first rule, bounded by ten seconds.
func (e *Env) waitBound(ctx context.Context, role string, subject rbacv1.Subject, namespace string) error {
	var cr rbacv1.ClusterRole
	if err := e.Client.Get(ctx, client.ObjectKey{Name: role}, &cr); err != nil || len(cr.Rules) == 0 {
		return client.IgnoreNotFound(err) // an aggregated or missing role: nothing to ask about
	}
	rule := cr.Rules[0]
	if len(rule.Verbs) == 0 || len(rule.Resources) == 0 || len(rule.APIGroups) == 0 {
		return nil
	}
	user := subject.Name
	if subject.Kind == rbacv1.ServiceAccountKind {
		user = "system:serviceaccount:" + subject.Namespace + ":" + subject.Name
	}
	attrs := &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: rule.Verbs[0], Group: rule.APIGroups[0], Resource: rule.Resources[0]}
	if len(rule.ResourceNames) > 0 {
		attrs.Name = rule.ResourceNames[0]
	}
	var last error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: attrs}}
		if subject.Kind == rbacv1.ServiceAccountKind {
			sar.Spec.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + subject.Namespace, "system:authenticated"}
		}
		if last = e.Client.Create(ctx, sar); last == nil && sar.Status.Allowed {
			return nil
		}
	}
	if last != nil {
		return fmt.Errorf("binding %s of %s to %s: the authorizer does not allow %s %s.%s after 10s (%w)", role, user, namespace, attrs.Verb, attrs.Resource, attrs.Group, last)
	}
	return fmt.Errorf("binding %s of %s to %s: the authorizer does not allow %s %s.%s after 10s", role, user, namespace, attrs.Verb, attrs.Resource, attrs.Group)
}
