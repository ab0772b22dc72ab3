package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

// Execute runs the command line args. With no subcommand it runs the manager,
// so the image's entrypoint needs no arguments.
func Execute(args []string) error {
	return ExecuteContext(context.Background(), args)
}

// ExecuteContext is Execute with a context that long-running commands stop on.
func ExecuteContext(ctx context.Context, args []string) error {
	root := newRoot()
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "--help") {
		args = append([]string{"manager"}, args...)
	}
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "scidata-operator",
		Short: "Runs a city's scientific data programme on Kubernetes",
		Long: "scidata-operator reconciles DataPlatforms, CatalogEntries, SubmissionPolicies and\n" +
			"Submissions into a city Scientific Data Center, department data platforms, a published\n" +
			"catalog and verified submissions (汇交) with signed receipts (汇交凭证).",
		SilenceUsage: true,
	}
	root.AddCommand(newManagerCommand(), newPortalCommand(), newReceiptCommand(), newSyncCommand(), newStoreInitCommand(), newStoreBootstrapCommand(), newObjectsCommand(), newGrantCheckCommand())
	return root
}
