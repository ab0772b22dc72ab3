// Command chartgen writes the Helm chart's generated files (CRDs, roles and
// admission policies from config/, the Argo CD health check) and the values
// reference in docs/install.md. `make chart` runs it from the repository's
// root; see internal/chartgen.
package main
