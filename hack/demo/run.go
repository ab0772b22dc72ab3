package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// retryable marks an error worth another try: until prints it and tries
// again. Any other error ends until at once.
type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

func again(err error) error { return retryable{err} }

// until polls cond every two seconds until it holds, returns an error that
// is not retryable, ctx ends or timeout passes. A retryable error is
// printed each time it differs from the one before, so nothing it meets
// goes unseen; when time runs out the last one is in the error returned.
func (d *demo) until(ctx context.Context, what string, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, err := cond()
		var r retryable
		switch {
		case err != nil && !errors.As(err, &r):
			return err
		case err != nil && err.Error() != last:
			last = err.Error()
			d.say("%s: not yet: %s", what, strings.TrimSpace(last))
		case err == nil && ok:
			return nil
		}
		if time.Now().After(deadline) {
			if last != "" {
				return fmt.Errorf("%s: not done after %s; the last error: %s", what, timeout, last)
			}
			return fmt.Errorf("%s: not done after %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: interrupted", what)
		case <-time.After(2 * time.Second):
		}
	}
}

// k runs kubectl against the local cluster.
func (d *demo) k(stdin string, args ...string) (string, error) {
	return d.cmd(stdin, d.kubectl, append([]string{"--kubeconfig", d.kubeconfig}, args...)...)
}

// cmd runs a command in the repository and returns its output; its error
// holds the command line and the output.
func (d *demo) cmd(stdin, name string, args ...string) (string, error) {
	c := exec.Command(name, args...)
	c.Dir = d.root
	c.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// stream runs a command with its output shown as it comes.
func (d *demo) stream(name string, args ...string) error {
	c := exec.Command(name, args...)
	c.Dir = d.root
	c.Stdout, c.Stderr = d.out, os.Stderr
	return c.Run()
}
