package cmd

import (
	"strings"
	"testing"
)

// The portal subcommand refuses a scope and namespace that disagree before
// it touches any cluster.
func TestPortalCommandRefusesInconsistentScopeFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"portal", "--scope", "department"}, "--scope department needs --namespace"},
		{[]string{"portal", "--scope", "city", "--namespace", "scidata-water-resources"}, "--namespace is for --scope department"},
		{[]string{"portal", "--scope", "province"}, `--scope must be city or department, not "province"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			root := newRoot()
			root.SetArgs(tc.args)
			root.SilenceErrors = true
			err := root.Execute()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
		})
	}
}
