// Package cmd wires the subcommands of the scidata-operator binary: manager
// (the default), portal and receipt. Each subcommand is thin: flags in, a call into
// internal/, errors out.
package cmd
