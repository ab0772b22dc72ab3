package main

import (
	"context"
	"os"

	"github.com/scidata-io/scidata-operator/cmd"
)

func main() {
	var err error
	if cmd.IsPlugin(os.Args[0]) {
		// The same binary under the name kubectl finds plugins by.
		err = cmd.ExecutePlugin(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	} else {
		err = cmd.Execute(os.Args[1:])
	}
	if err != nil {
		os.Exit(cmd.ExitCode(err))
	}
}
