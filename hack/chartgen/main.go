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
