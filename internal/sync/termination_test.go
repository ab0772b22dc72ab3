package sync_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	syncer "github.com/scidata-io/scidata-operator/internal/sync"
)

func TestTerminationMessageFitsTheKubeletLimitAndStaysValidJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "termination-log")
	long := strings.Repeat("数据汇交失败 ", 2000) // multi-byte, far over 4096 bytes
	if err := syncer.WriteTermination(path, syncer.Summary{ExitCode: syncer.ExitTransient, Error: long}); err != nil {
		t.Fatal(err)
	}
	b := readFile(t, path)
	if len(b) > 4096 {
		t.Fatalf("termination message is %d bytes, the kubelet keeps 4096", len(b))
	}
	var s syncer.Summary
	if err := json.Unmarshal(b, &s); err != nil || !utf8.ValidString(s.Error) || s.ExitCode != syncer.ExitTransient {
		t.Fatalf("shortened message is not a valid summary: %v %+v", err, s)
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(s.Error, "…")) || len(s.Error) < 3000 {
		t.Fatalf("error shortened to %d bytes, want the start of the original kept (at least 3000 bytes)", len(s.Error))
	}
}
