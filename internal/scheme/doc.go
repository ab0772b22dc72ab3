// Package scheme builds the runtime scheme and the cache options the
// manager runs with, shared by the commands (cmd: the manager and the
// portal) and by the test suites that start the manager as the command does.
package scheme
