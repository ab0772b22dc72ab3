// Command scidata-operator is the one binary of the project: the manager
// (the default), and the tools that run beside it. See `scidata-operator
// --help`.
package main

import (
	"os"

	"github.com/scidata-io/scidata-operator/cmd"
)

func main() {
	if err := cmd.Execute(os.Args[1:]); err != nil {
		os.Exit(cmd.ExitCode(err))
	}
}
