package cmd

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

func newSyncCommand() *cobra.Command {
	var o syncer.Flags
	c := &cobra.Command{
		Use:   "sync",
		Short: "Copy one dataset version into the Center's object store and verify it",
		Long: "sync copies every object under --source-prefix of the department's bucket (read with the\n" +
			"Center's read-only account) to <department>/<entry>/<content version>/ in the Center's bucket,\n" +
			"verifies each by SHA-256, writes manifest.json last, and reports the manifest digest, object\n" +
			"count and bytes as JSON on stdout and in the termination message. A second run resumes, or,\n" +
			"when the version is complete, only verifies. Both stores are reached over verified TLS.\n" +
			"Every flag may also be set as SCIDATA_SYNC_<FLAG> (dashes as underscores).\n\n" +
			"Exit status: 0 done; 1 transient (retry); 2 usage; 10 access denied; 11 bucket missing;\n" +
			"12 source changed during copy; 13 version exists with other content; 14 classification\n" +
			"refused; 15 nothing to submit; 16 destination corrupt; 17 source invalid; 18 certificate untrusted; 19 Center store full; 20 store unreachable (retry).",
		Args: cobra.NoArgs,
		PreRunE: func(c *cobra.Command, _ []string) error {
			return syncer.FlagsFromEnv(c.Flags())
		},
		RunE: func(c *cobra.Command, _ []string) error { return runSync(c, o) },
	}
	o.Bind(c.Flags())
	return c
}

func runSync(c *cobra.Command, o syncer.Flags) error {
	log := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
	cfg, err := o.Config()
	var res syncer.Result
	if err == nil {
		ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		res, err = syncer.Run(ctx, cfg, log)
	}
	sum := res.Summary()
	if err != nil {
		sum = syncer.Summary{Destination: cfg.Destination(),
			ExitCode: syncer.ExitCode(err), Error: err.Error()}
		log.Error("sync failed", "exitCode", sum.ExitCode, "error", err)
	}
	if o.TerminationPath != "" {
		if werr := syncer.WriteTermination(o.TerminationPath, sum); werr != nil {
			log.Error("termination message", "error", werr)
		}
	}
	if err != nil {
		return err
	}
	out, _ := json.Marshal(sum)
	_, _ = fmt.Fprintln(c.OutOrStdout(), string(out))
	return nil
}

// ExitCode is the process status for an error a command returned: a sync
// error's own code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	return syncer.ExitCode(err)
}
