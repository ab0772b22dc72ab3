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
