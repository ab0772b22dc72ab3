package cluster

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Without a baseline this state directory's node never changed the host:
// Cleanup runs only the steps that touch the state directory, each with its
// status line, and none that would undo a host change (a kubepods cgroup,
// a bridge or a table of anything else is none of its business).
func TestCleanupWithoutABaselineTouchesOnlyTheStateDirectory(t *testing.T) {
	c := testConfig(ModeReal)
	c.StateDir = t.TempDir()
	var lines []string
	say := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
	if err := c.Cleanup(say); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	var want []string
	for _, s := range cleanupSteps() {
		if !s.host {
			want = append(want, s.name)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("status lines:\n%s\nwant one per step that needs no baseline: %v", strings.Join(lines, "\n"), want)
	}
	for i, name := range want {
		if !strings.HasPrefix(lines[i], "✓ "+name+": ") {
			t.Errorf("line %d = %q, want the ✓ status line of %q", i, lines[i], name)
		}
	}
}

// A baseline that cannot be read stops the cleanup before it unmounts or
// undoes anything, and is the error returned.
func TestCleanupStopsOnAnUnreadableBaseline(t *testing.T) {
	c := testConfig(ModeReal)
	c.StateDir = t.TempDir()
	if err := os.WriteFile(c.baselineFile(), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	var lines []string
	err := c.Cleanup(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) })
	if err == nil {
		t.Fatal("Cleanup with an unreadable baseline succeeded")
	}
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, "✗ Reading the host's baseline") || !strings.Contains(out, "Unmounting: not done") {
		t.Errorf("status lines do not say the baseline failed and nothing was unmounted:\n%s", out)
	}
	for _, s := range cleanupSteps() {
		if s.host && strings.Contains(out, s.name) {
			t.Errorf("host step %q ran without a baseline:\n%s", s.name, out)
		}
	}
	if _, statErr := os.Stat(c.baselineFile()); statErr != nil {
		t.Errorf("the unreadable baseline was removed: %v", statErr)
	}
}

// The baseline is what tells the next run what to put back: it is removed
// only when every step before succeeded.
func TestCleanupKeepsTheBaselineUntilEveryStepSucceeded(t *testing.T) {
	for _, tc := range []struct {
		name string
		errs []string
		kept bool
	}{
		{"every step succeeded", nil, false},
		{"a step failed", []string{"ip link delete lc0: busy"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(ModeReal)
			c.StateDir = t.TempDir()
			if err := c.saveBaseline(&Baseline{}); err != nil {
				t.Fatal(err)
			}
			cu := &cleanup{Config: &c, baseline: &Baseline{}, errs: tc.errs}
			if _, err := cu.forgetBaseline(); err != nil {
				t.Fatal(err)
			}
			_, err := os.Stat(c.baselineFile())
			if kept := err == nil; kept != tc.kept {
				t.Fatalf("baseline kept = %v, want %v", kept, tc.kept)
			}
		})
	}
}
