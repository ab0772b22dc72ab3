// Package cmd wires the subcommands of the scidata-operator binary: manager
// (the default), portal, receipt and sync. Each subcommand is thin: flags in, a call into
// internal/, errors out.
package cmd
