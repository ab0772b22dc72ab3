// Command chartgen writes the Helm chart's generated files (CRDs, roles and
// admission policies from config/, the Argo CD health check) and the values
// reference in docs/install.md. `make chart` runs it from the repository's
// root; see internal/chartgen.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/scidata-io/scidata-operator/internal/chartgen"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	files, err := chartgen.Generate(*root)
	if err == nil {
		err = chartgen.Write(*root, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartgen:", err)
		os.Exit(1)
	}
}
