package cmd

import (
	"flag"
	"fmt"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/scheme"
)

func newPortalCommand() *cobra.Command {
	o := portal.Options{}
	var scope string
	zo := zap.Options{}
	c := &cobra.Command{
		Use:   "portal",
		Short: "Serve the catalog: web page, JSON API, DCAT-AP JSON-LD, CSV and scorecard (read-only)",
		Long: "portal serves the scientific data catalog from an informer cache of CatalogEntries.\n" +
			"With --scope city (the Center) it serves every platform's entries; with --scope department\n" +
			"--namespace scidata-<platform> only that department's. Closed and classified entries are never shown.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zo)))
			o.Scope = portal.Scope(scope)
			if err := o.Validate(); err != nil {
				return err
			}
			cfg, err := ctrl.GetConfig()
			if err != nil {
				return fmt.Errorf("find the cluster: %w", err)
			}
			return portal.Run(ctrl.SetupSignalHandler(), cfg, scheme.New(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&scope, "scope", string(portal.ScopeCity), "city (the Center's consolidated catalog) or department")
	f.StringVar(&o.Namespace, "namespace", "", "the department platform's namespace (--scope department)")
	f.StringVar(&o.Listen, "listen", ":8080", "address to serve HTTP on")
	f.BoolVar(&o.Platforms, "department-names-from-platforms", true, "read DataPlatforms for department names (needs list/watch on dataplatforms)")
	f.StringVar(&o.ReceiptKeys, "receipt-keys", "", "namespace/name of the receipt key set ConfigMap to publish at /receipt-keys.json (the Center's portal)")
	f.StringVar(&o.Server.BaseURL, "base-url", "http://localhost:8080", "the portal's public URL, the root of every URI in the DCAT export")
	f.StringVar(&o.Server.Title, "title", "City Scientific Data Catalog", "catalog title (English)")
	f.StringVar(&o.Server.LocalTitle, "local-title", "市科学数据资源目录", "catalog title in the city's language")
	f.StringVar(&o.Server.Description, "description", "Scientific datasets registered by the city's departments, with their sharing terms.", "catalog description")
	f.StringVar(&o.Server.Publisher, "publisher", "City Scientific Data Center", "the catalog's publisher (English)")
	f.StringVar(&o.Server.LocalPublisher, "local-publisher", "市科学数据中心", "the catalog's publisher in the city's language")
	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	zo.BindFlags(zapFlags)
	f.AddGoFlagSet(zapFlags)
	return c
}
