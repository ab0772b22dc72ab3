package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one running component as the state directory records it.
// StartTime (clock ticks since boot, from /proc/<pid>/stat) guards against
// a reused PID: a process is ours only if both match.
type process struct {
	Name      string   `json:"name"`
	PID       int      `json:"pid"`
	StartTime uint64   `json:"startTime"`
	Args      []string `json:"args"`
	Log       string   `json:"log"`
}

func (c *Config) pidFile(name string) string { return c.path("pids", name+".json") }

// LogFile is a component's log.
func (c *Config) LogFile(name string) string { return c.path("logs", name+".log") }

// startProcess starts a component in its own session (so it outlives the
// tool and a Ctrl-C of `up` does not reach it), its output in its log, and
// records its PID.
func (c *Config) startProcess(name, bin string, args, env []string) (*process, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s: %w (build it with hack/build-k8s.sh all)", name, err)
	}
	for _, d := range []string{c.path("pids"), c.path("logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	logf, err := os.OpenFile(c.LogFile(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== %s %s %s\n", time.Now().UTC().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = c.StateDir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{Name: name, PID: cmd.Process.Pid, Args: append([]string{bin}, args...), Log: c.LogFile(name)}
	p.StartTime, _ = procStartTime(p.PID)
	_ = cmd.Process.Release()
	b, _ := json.MarshalIndent(p, "", "  ")
	return p, os.WriteFile(c.pidFile(name), b, 0o644)
}

// procStartTime is field 22 of /proc/<pid>/stat.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatStartTime(string(b))
}

// parseStatStartTime reads the start time from a /proc/<pid>/stat line,
// whose second field (the command) may hold spaces and parentheses.
func parseStatStartTime(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); the start time is field 22.
	if len(f) < 20 {
		return 0, errors.New("malformed stat")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// alive says whether the recorded process still runs (and is not a zombie).
func (p *process) alive() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID))
	if err != nil {
		return false
	}
	st, err := parseStatStartTime(string(b))
	if err != nil || (p.StartTime != 0 && st != p.StartTime) {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return !strings.HasPrefix(strings.TrimSpace(string(b)[i+1:]), "Z")
}

// processes are the recorded components, in start order.
func (c *Config) processes() []*process {
	files, _ := filepath.Glob(c.path("pids", "*.json"))
	var ps []*process
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		p := &process{}
		if json.Unmarshal(b, p) == nil {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].StartTime < ps[j].StartTime })
	return ps
}

func (c *Config) process(name string) *process {
	b, err := os.ReadFile(c.pidFile(name))
	if err != nil {
		return nil
	}
	p := &process{}
	if json.Unmarshal(b, p) != nil {
		return nil
	}
	return p
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs, and forgets the PID.
func (c *Config) stop(p *process, grace time.Duration) {
	if p.alive() {
		_ = syscall.Kill(p.PID, syscall.SIGTERM)
		deadline := time.Now().Add(grace)
		for p.alive() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if p.alive() {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
			for i := 0; i < 40 && p.alive(); i++ {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	_ = os.Remove(c.pidFile(p.Name))
}

// strayProcesses finds processes whose command line names the state
// directory (components whose PID file was lost, containerd's shims):
// identified by our own paths, then stopped by PID.
func strayProcesses(stateDir string) []int {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid == 1 {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, arg := range strings.Split(string(b), "\x00") {
			if arg == stateDir || strings.HasPrefix(arg, stateDir+"/") || strings.Contains(arg, "="+stateDir+"/") {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func pidAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && !strings.HasPrefix(strings.TrimSpace(string(b)[i+1:]), "Z")
}

func killAndWait(pids []int, sig syscall.Signal, wait time.Duration) {
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig)
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		any := false
		for _, pid := range pids {
			if pidAlive(pid) {
				any = true
			}
		}
		if !any {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startAndWatch starts a component that has no health endpoint here and
// checks that it is still running after a moment.
func (cl *Cluster) startAndWatch(ctx context.Context, name, bin string, args []string) error {
	p, err := cl.startProcess(name, bin, args, nil)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(1500 * time.Millisecond):
	}
	if !p.alive() {
		return fmt.Errorf("%s exited; see %s", name, cl.LogFile(name))
	}
	return nil
}
