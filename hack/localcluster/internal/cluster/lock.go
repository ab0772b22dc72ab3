package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// LockPath is the machine-wide lock: one local cluster per machine, from
// whichever checkout, because a real node owns fixed host paths, the
// bridge and the ports.
func LockPath() string {
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() {
		return "/run/lock/scidata-localcluster.lock"
	}
	return filepath.Join(os.TempDir(), "scidata-localcluster.lock")
}

// lockOwner is what the lock file says: whose cluster holds the machine.
type lockOwner struct {
	StateDir string `json:"stateDir"`
	Mode     Mode   `json:"mode"`
}

// Lock serializes commands (flock) and records which state directory owns
// the machine's cluster.
type Lock struct {
	f *os.File
}

// AcquireLock takes the command lock, failing at once if another
// localcluster command runs.
func AcquireLock() (*Lock, error) {
	f, err := os.OpenFile(LockPath(), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another localcluster command holds %s", LockPath())
	}
	return &Lock{f: f}, nil
}

// Owner reads the recorded owner, if any.
func (l *Lock) Owner() *lockOwner {
	data, err := os.ReadFile(l.f.Name())
	if err != nil || len(data) == 0 {
		return nil
	}
	o := &lockOwner{}
	if json.Unmarshal(data, o) != nil || o.StateDir == "" {
		return nil
	}
	return o
}

// SetOwner records this cluster as the machine's.
func (l *Lock) SetOwner(o lockOwner) error {
	data, _ := json.Marshal(o)
	return os.WriteFile(l.f.Name(), data, 0o644)
}

// Release unlocks; with remove, the lock file goes too (after `down`).
func (l *Lock) Release(remove bool) {
	if remove {
		_ = os.Remove(l.f.Name())
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// Busy says why this machine cannot take a cluster of stateDir now, or ""
// when it can: another command holds the lock, or another checkout's
// cluster runs (its recorded components are alive), or a kubelet runs that
// no lock records. `up --wait` waits while it says something.
func Busy(stateDir string) string {
	l, err := AcquireLock()
	if err != nil {
		return err.Error()
	}
	defer l.Release(false)
	if o := l.Owner(); o != nil && o.StateDir != stateDir {
		other := Config{StateDir: o.StateDir}
		for _, p := range other.processes() {
			if p.alive() {
				return fmt.Sprintf("a %s cluster of %s runs (%s pid %d)", o.Mode, o.StateDir, p.Name, p.PID)
			}
		}
	}
	if pid := runningCommand("kubelet"); pid > 0 {
		own := Config{StateDir: stateDir}
		if p := own.process("kubelet"); p == nil || p.PID != pid {
			return fmt.Sprintf("a kubelet (pid %d) runs that no cluster of this checkout started", pid)
		}
	}
	return ""
}

// runningCommand is the PID of a running process whose command name is
// name, or 0.
func runningCommand(name string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(b)) != name {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err == nil && pidAlive(pid) {
			return pid
		}
	}
	return 0
}
