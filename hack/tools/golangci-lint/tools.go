//go:build tools

// Package golangcilint records the linter runner the Makefile builds into
// bin/golangci-lint: `make lint` runs it with the repository's .golangci.yml.
package golangcilint

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
