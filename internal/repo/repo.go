// Package repo finds the project's checkout, for the commands under hack/
// that run from anywhere inside it (go run ./hack/...).
package repo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Module is the project's Go module path.
const Module = "github.com/scidata-io/scidata-operator"

// Root is the checkout's root: the nearest directory, from the working
// directory upwards, whose go.mod declares Module.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if ours, err := declaresModule(filepath.Join(dir, "go.mod")); err == nil && ours {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the %s checkout", Module)
		}
		dir = parent
	}
}

func declaresModule(goMod string) (bool, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	return s.Scan() && strings.TrimSpace(s.Text()) == "module "+Module, nil
}
