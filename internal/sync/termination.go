package sync

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// DefaultTerminationLog is where Kubernetes reads a container's termination
// message from (terminationMessagePath).
const DefaultTerminationLog = "/dev/termination-log"

// maxTerminationMessage is the kubelet's limit for one container's message.
const maxTerminationMessage = 4096

// Summary is the worker's termination message: a claim the manager checks
// by reading the manifest back, never a proof.
type Summary struct {
	Destination    string `json:"destination,omitempty"`
	ManifestDigest string `json:"manifestDigest,omitempty"`
	Objects        int64  `json:"objects"`
	Bytes          int64  `json:"bytes"`
	Copied         int64  `json:"copied"`
	ExitCode       int    `json:"exitCode"`
	Error          string `json:"error,omitempty"`
}

// WriteTermination writes s as JSON to path, shortening the error so the
// message fits the kubelet's 4096-byte limit.
func WriteTermination(path string, s Summary) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	for len(b) > maxTerminationMessage && len(s.Error) > 0 {
		over := len(b) - maxTerminationMessage + len("…")
		if over >= len(s.Error) {
			s.Error = ""
		} else {
			s.Error = strings.ToValidUTF8(s.Error[:len(s.Error)-over], "") + "…"
		}
		if b, err = json.Marshal(s); err != nil {
			return err
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write termination message: %w", err)
	}
	return nil
}
