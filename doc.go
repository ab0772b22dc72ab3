// Command scidata-operator is the one binary of the project: the manager
// (the default), and the tools that run beside it. See `scidata-operator
// --help`.
package main
