package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/plugin"
	"github.com/scidata-io/scidata-operator/internal/scheme"
)

// PluginName is the name kubectl finds a plugin by: `kubectl scidata` runs
// the first kubectl-scidata on the PATH.
const PluginName = "kubectl-scidata"

// IsPlugin reports whether the binary was started as the kubectl plugin
// (argv0 is kubectl-scidata, kubectl-scidata.exe, or a path to either).
func IsPlugin(argv0 string) bool {
	return strings.TrimSuffix(filepath.Base(argv0), ".exe") == PluginName
}

// ExecutePlugin runs the kubectl plugin's command line args.
func ExecutePlugin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newPluginRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

// pluginOptions are the kubectl flags every command takes (--kubeconfig,
// --context, -n, --as, ...: client-go's clientcmd, as kubectl binds them)
// and the clients made from them.
type pluginOptions struct {
	loading   *clientcmd.ClientConfigLoadingRules
	overrides *clientcmd.ConfigOverrides
}

func (o *pluginOptions) config() clientcmd.ClientConfig {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(o.loading, o.overrides)
}

func (o *pluginOptions) client() (client.Client, error) {
	cfg, err := o.config().ClientConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme.New()})
}

func (o *pluginOptions) clientset() (kubernetes.Interface, error) {
	cfg, err := o.config().ClientConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// namespace is -n, else the kubeconfig context's namespace, else default.
func (o *pluginOptions) namespace() (string, error) {
	ns, _, err := o.config().Namespace()
	return ns, err
}

func newPluginRoot() *cobra.Command {
	o := &pluginOptions{loading: clientcmd.NewDefaultClientConfigLoadingRules(), overrides: &clientcmd.ConfigOverrides{}}
	root := &cobra.Command{
		Use:         "scidata",
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl scidata"},
		Short:       "Read the city's scientific data programme: status, traces, receipts, support bundles",
		Long: "kubectl scidata reads the DataPlatforms, CatalogEntries, SubmissionPolicies, Submissions and Projects of\n" +
			"a scidata-operator city with your kubeconfig and identity; it never writes to the cluster.\n" +
			"Every read takes -o json or -o yaml.",
		SilenceUsage: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&o.loading.ExplicitPath, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	clientcmd.BindOverrideFlags(o.overrides, pf, clientcmd.RecommendedConfigOverrideFlags(""))
	receiptCmd := &cobra.Command{Use: "receipt", Short: "Work with submission receipts (汇交凭证)"}
	receiptCmd.AddCommand(pluginVerifyCommand(o))
	root.AddCommand(pluginStatusCommand(o), pluginTraceCommand(o), receiptCmd, pluginProjectCommand(o), pluginReportCommand(o), pluginEvaluateCommand(o))
	return root
}

// reader checks -o and makes the client every read command uses.
func (o *pluginOptions) reader(format string) (client.Client, error) {
	if err := plugin.CheckFormat(format); err != nil {
		return nil, err
	}
	return o.client()
}

// readOptional reads the file a flag names, or nothing when it names none.
func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}

func outputFlag(c *cobra.Command, format *string) {
	c.Flags().StringVarP(format, "output", "o", "", "output format: json or yaml (default: text)")
}

// emit writes v as -o asks, or as text with print.
func emit[T any](c *cobra.Command, format string, v T, print func(io.Writer, T) error) error {
	if format != plugin.FormatText {
		return plugin.Encode(c.OutOrStdout(), format, v)
	}
	return print(c.OutOrStdout(), v)
}

func pluginStatusCommand(o *pluginOptions) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "status",
		Short: "The city at a glance: platforms, entries by sharing, submissions by state, what is overdue, Stalled or paused",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := o.reader(format)
			if err != nil {
				return err
			}
			st, err := plugin.Status(c.Context(), cl, time.Now())
			if err != nil {
				return err
			}
			return emit(c, format, st, plugin.PrintStatus)
		},
	}
	outputFlag(c, &format)
	return c
}

func pluginTraceCommand(o *pluginOptions) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "trace ENTRY",
		Short: "An entry, its Submissions, their sync Jobs and pods, and their receipts, as a tree",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := o.reader(format)
			if err != nil {
				return err
			}
			ns, err := o.namespace()
			if err != nil {
				return err
			}
			tr, err := plugin.Trace(c.Context(), cl, ns, strings.TrimPrefix(args[0], "catalogentry/"))
			if err != nil {
				return err
			}
			return emit(c, format, tr, plugin.PrintTrace)
		},
	}
	outputFlag(c, &format)
	return c
}

func pluginVerifyCommand(o *pluginOptions) *cobra.Command {
	var format, fingerprint, manifest, keySet string
	c := &cobra.Command{
		Use:   "verify SUBMISSION --fingerprint KEYID [--manifest FILE]",
		Short: "Verify a Submission's receipt against the Center's key set, read from the cluster, with a pinned fingerprint",
		Long: "verify reads the Submission and the Center's published key set (ConfigMap receipt-keys in\n" +
			"scidata-center) and checks the receipt's Ed25519 signature with the key whose SHA-256\n" +
			"fingerprint you pinned (obtained from the Center out of band: the cluster is not trusted for\n" +
			"it), that the receipt is about this Submission, and with --manifest (read from the Center's\n" +
			"store) that the manifest is the one it attests. Exit status 0: genuine; 1: not.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := plugin.CheckFormat(format); err != nil {
				return err
			}
			m, err := readOptional(manifest)
			if err != nil {
				return err
			}
			ks, err := readOptional(keySet)
			if err != nil {
				return err
			}
			cl, err := o.client()
			if err != nil {
				return err
			}
			ns, err := o.namespace()
			if err != nil {
				return err
			}
			v := plugin.VerifyReceipt(c.Context(), cl, ns, strings.TrimPrefix(args[0], "submission/"), fingerprint, ks, m)
			if err := emit(c, format, v, plugin.PrintVerification); err != nil && !errors.Is(err, plugin.ErrNotVerified) {
				return err
			}
			if !v.Verified {
				return fmt.Errorf("%w: %s", plugin.ErrNotVerified, v.Error)
			}
			return nil
		},
	}
	outputFlag(c, &format)
	c.Flags().StringVar(&fingerprint, "fingerprint", "", "the pinned SHA-256 fingerprint (hex) of the Center's signing key")
	c.Flags().StringVar(&manifest, "manifest", "", "the manifest read from the Center's store, to check against the receipt")
	c.Flags().StringVar(&keySet, "keyset", "", "the key set as a file (the Center's portal serves it at /receipt-keys.json), instead of the ConfigMap in scidata-center")
	_ = c.MarkFlagRequired("fingerprint")
	return c
}

func pluginProjectCommand(o *pluginOptions) *cobra.Command {
	var format, fingerprint, keySet string
	c := &cobra.Command{
		Use:   "project ID [--fingerprint KEYID]",
		Short: "A funded project (项目): its entries and where each stands, and its latest signed statement, verified",
		Long: "project reads the Project that records the funded project ID (in scidata-center): every entry\n" +
			"that names it, the state of each entry's submission, how many are received, and its latest\n" +
			"signed project statement. With --fingerprint (the Center's key fingerprint, obtained out of\n" +
			"band) the statement's signature is checked with the key the published key set holds under it,\n" +
			"and that it is about this Project. Exit status 0: read (and, with --fingerprint, verified);\n" +
			"1: no such project, or a statement that does not verify.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := plugin.CheckFormat(format); err != nil {
				return err
			}
			ks, err := readOptional(keySet)
			if err != nil {
				return err
			}
			cl, err := o.client()
			if err != nil {
				return err
			}
			rec, err := plugin.Project(c.Context(), cl, args[0], fingerprint, ks)
			if err != nil {
				return err
			}
			if err := emit(c, format, rec, plugin.PrintProject); err != nil {
				return err
			}
			if fingerprint != "" && (rec.Latest == nil || !rec.Latest.Verified) {
				why := "the project has no signed statement"
				if rec.Latest != nil {
					why = rec.Latest.Error
				}
				return fmt.Errorf("%w: %s", plugin.ErrStatementNotVerified, why)
			}
			return nil
		},
	}
	outputFlag(c, &format)
	c.Flags().StringVar(&fingerprint, "fingerprint", "", "the pinned SHA-256 fingerprint (hex) of the Center's signing key: verify the latest statement")
	c.Flags().StringVar(&keySet, "keyset", "", "the key set as a file (the Center's portal serves it at /receipt-keys.json), instead of the ConfigMap in scidata-center")
	return c
}

func pluginEvaluateCommand(o *pluginOptions) *cobra.Command {
	var format, department string
	c := &cobra.Command{
		Use:   "evaluate [--department CODE]",
		Short: "The plan's evaluation (§3), for auditors: six areas per department and per platform, classified entries included",
		Long: "evaluate reads every DataPlatform, CatalogEntry, Submission and AccessRequest and the city's\n" +
			"SubmissionPolicies, and computes collection, preservation, submission, open sharing, security and\n" +
			"IP protection per department and per platform (docs/evaluation.md gives each formula). Each area\n" +
			"prints its terms as numerator/denominator; an area with nothing to count is n/a, never 100. Unlike\n" +
			"the public portal's scorecard it counts classified and Closed entries, so its output is not public.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := o.reader(format)
			if err != nil {
				return err
			}
			ev, err := plugin.Evaluate(c.Context(), cl, department, time.Now())
			if err != nil {
				return err
			}
			return emit(c, format, ev, plugin.PrintEvaluation)
		},
	}
	outputFlag(c, &format)
	c.Flags().StringVar(&department, "department", "", "only this department (its code) and its platforms")
	return c
}

func pluginReportCommand(o *pluginOptions) *cobra.Command {
	var format, file, operatorNS string
	var lines int64
	c := &cobra.Command{
		Use:   "report [-f FILE]",
		Short: "Write a support bundle (zip): the kinds, their events, workloads, the manager's logs; Secrets redacted",
		Long: "report writes a zip of every DataPlatform, CatalogEntry, SubmissionPolicy, Submission and Project; the\n" +
			"events, workloads, claims, ConfigMaps and Secrets of every platform namespace and the operator's\n" +
			"(Secrets redacted: names, types, labels and key sizes, never a value); the events of the\n" +
			"DataPlatforms; and the manager's last log lines. -o sets the objects' format (yaml or json).\n" +
			"What could not be read is listed in summary.json.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := o.reader(format)
			if err != nil {
				return err
			}
			cs, err := o.clientset()
			if err != nil {
				return err
			}
			if file == "" {
				file = "scidata-report-" + time.Now().UTC().Format("20060102T150405Z") + ".zip"
			}
			f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			sum, err := plugin.Report(c.Context(), cl, cs, f, plugin.ReportOptions{OperatorNamespace: operatorNS, Format: format, LogLines: lines, Now: time.Now()})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s: %d files from %d namespaces; Secrets redacted (no values)\n", file, len(sum.Files), len(sum.Namespaces))
			for _, p := range sum.Problems {
				fmt.Fprintf(c.ErrOrStderr(), "not in the bundle: %s\n", p)
			}
			return nil
		},
	}
	outputFlag(c, &format)
	c.Flags().StringVarP(&file, "file", "f", "", "the zip to write (default: scidata-report-<time>.zip; never overwritten)")
	c.Flags().StringVar(&operatorNS, "operator-namespace", "scidata-system", "the namespace the manager runs in")
	c.Flags().Int64Var(&lines, "log-lines", 2000, "how many of each manager container's last log lines to include")
	return c
}
