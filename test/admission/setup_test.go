package admission

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/scheme"
	"github.com/scidata-io/scidata-operator/internal/testenv"
)

// The people and robots the rows act as, each with the rights a real city
// gives them.
const (
	// owner is a department owner, bound to scidata-platform-admin in the
	// department's namespace as the DataPlatform controller binds owners.
	owner = "owner@water-resources"
	// robot is the department's GitOps identity, an owner too.
	robot = "system:serviceaccount:flux-system:water-resources-gitops"
	// declassifier is the department's secrecy officer: an owner who holds
	// declassify on declassifiers named water-resources.
	declassifier = "secrecy-officer@water-resources"
	// rogueRobot is a ServiceAccount wrongly granted declassify as well.
	rogueRobot = "system:serviceaccount:flux-system:rogue-gitops"
	// reviewer may approve the department's submissions.
	reviewer = "reviewer@water-resources"
	// curator may accept submissions for the Center.
	curator = "curator@center"
	// manager is the operator.
	manager = testenv.ManagerUser
)

var (
	setupOnce sync.Once
	setupErr  error
	clients   = map[string]client.Client{}
)

// setup makes the city the rows need, once per package: the platform
// roles, the department's and the Center's namespaces labelled by the
// operator, the identities above, and every admission policy of
// config/admission, in force.
func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() { setupErr = makeCity(context.Background()) })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

func makeCity(ctx context.Context) error {
	roles, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "rbac", "platform_roles.yaml"))
	if err != nil {
		return err
	}
	for _, r := range roles {
		if err := env.Client.Create(ctx, r); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	mcfg, err := env.ManagerConfig(ctx)
	if err != nil {
		return err
	}
	mgr, err := client.New(mcfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	clients[manager] = mgr
	for name, labels := range map[string]map[string]string{
		ns: {scidatav1.LabelPlatform: "water-resources", scidatav1.LabelDepartment: "water-resources",
			scidatav1.LabelRole: scidatav1.RoleLabelDepartment, scidatav1.LabelMaxClassification: string(scidatav1.ClassificationTopSecret)},
		centerNS: {scidatav1.LabelPlatform: scidatav1.CenterName, scidatav1.LabelDepartment: "st-info-institute",
			scidatav1.LabelRole: scidatav1.RoleLabelCenter, scidatav1.LabelMaxClassification: string(scidatav1.ClassificationConfidential)},
	} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		if err := mgr.Create(ctx, n); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", name, err)
		}
	}
	declassify := rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"declassifiers"}, ResourceNames: []string{"water-resources"}, Verbs: []string{"declassify"}}
	for _, u := range []string{owner, robot, declassifier, rogueRobot} {
		if err := env.Bind(ctx, "owner-"+safe(u), "scidata-platform-admin", u, ns); err != nil {
			return err
		}
	}
	for _, u := range []string{declassifier, rogueRobot} {
		if err := env.Grant(ctx, "declassifier-"+safe(u), u, "", declassify); err != nil {
			return err
		}
	}
	if err := env.Grant(ctx, "reviewer-"+safe(reviewer), reviewer, "",
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"reviewers"}, ResourceNames: []string{"water-resources"}, Verbs: []string{"approve"}},
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"submissions", "submissions/status"}, Verbs: []string{"get", "update", "patch"}}); err != nil {
		return err
	}
	if err := env.Grant(ctx, "curator-"+safe(curator), curator, "",
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"curators"}, ResourceNames: []string{"center"}, Verbs: []string{"accept"}},
		rbacv1.PolicyRule{APIGroups: []string{"scidata.io"}, Resources: []string{"submissions", "submissions/status"}, Verbs: []string{"get", "update", "patch"}}); err != nil {
		return err
	}
	for _, u := range []string{owner, robot, declassifier, rogueRobot, reviewer, curator} {
		c, err := env.ClientAs(u)
		if err != nil {
			return err
		}
		clients[u] = c
	}
	clients[""] = env.Client

	policies, err := testenv.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "admission"))
	if err != nil {
		return err
	}
	for _, p := range policies {
		if err := env.Client.Create(ctx, p); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("install %s %s: %w", p.GetKind(), p.GetName(), err)
		}
	}
	return waitForPolicies(ctx)
}

// waitForPolicies waits, bounded, until every policy refuses what it
// exists to refuse: the apiserver compiles a new policy a moment after it
// is created, each on its own.
func waitForPolicies(ctx context.Context) error {
	probes := map[string]func() error{
		"scidata-catalogentry-platform-namespace": func() error {
			e := entry(ns, "probe-department")
			e.Spec.ResponsibleDepartment.Code = "meteorology"
			return env.Client.Create(ctx, e, client.DryRunAll)
		},
		"scidata-operator-labels": func() error {
			e := entry(ns, "probe-labels")
			e.Labels = map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelNone}
			return env.Client.Create(ctx, e, client.DryRunAll)
		},
		"scidata-catalogentry-declassification": func() error {
			e := entry(ns, "probe-decision")
			e.Spec.Declassification = decision(owner)
			return clients[owner].Create(ctx, e, client.DryRunAll)
		},
		"scidata-catalogentry-embargo": func() error {
			e := entry(ns, "probe-embargo")
			e.Spec.Sharing.Embargo = &scidatav1.Embargo{Until: metav1.NewTime(time.Now().AddDate(20, 0, 0)), Reason: scidatav1.EmbargoPatent}
			return env.Client.Create(ctx, e, client.DryRunAll)
		},
		"scidata-dataplatform": func() error {
			return env.Client.Create(ctx, department("system"), client.DryRunAll)
		},
		"scidata-submissionpolicy-namespace-selector": func() error {
			p := policy(ns, "probe-selector")
			p.Spec.NamespaceSelector = &metav1.LabelSelector{}
			return env.Client.Create(ctx, p, client.DryRunAll)
		},
		"scidata-submission-records": func() error {
			return env.Client.Create(ctx, submission(ns, "probe-record"), client.DryRunAll)
		},
	}
	var waiting []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		waiting = waiting[:0]
		for name, probe := range probes {
			if err := probe(); err == nil || !strings.Contains(err.Error(), name) {
				waiting = append(waiting, fmt.Sprintf("%s (%v)", name, err))
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admission policies not in force after 30s: %s", strings.Join(waiting, "; "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func safe(user string) string {
	return strings.NewReplacer(":", "-", "@", "-", ".", "-").Replace(user)
}

// as is the client of the identity a row acts as; "" is the envtest
// administrator (the bureau).
func as(t *testing.T, user string) client.Client {
	t.Helper()
	c, ok := clients[user]
	if !ok {
		t.Fatalf("no client for %q", user)
	}
	return c
}
