package storetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/s3test"
)

// DrillStore runs a restore drill Job's temporary store as its pod would:
// the store's engine (bin/versitygw) with the sidecar's own arguments and
// environment, the files of its Secret where the sidecar mounts them and
// its emptyDir as a directory of the test, on a free loopback port. The
// Job's --dest-endpoint (localhost and the sidecar's port) is mapped to
// it, so that RunSyncJob then runs the drill's worker against it.
func DrillStore(t testing.TB, c client.Reader, job *batchv1.Job) {
	t.Helper()
	spec := job.Spec.Template.Spec
	var sc *corev1.Container
	for i := range spec.InitContainers {
		if ic := &spec.InitContainers[i]; ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sc = ic
		}
	}
	if sc == nil || len(sc.Ports) != 1 {
		t.Fatalf("job %s/%s runs no sidecar with one port", job.Namespace, job.Name)
	}
	mounts := mountVolumes(t, c, job.Namespace, spec.Volumes, sc.VolumeMounts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	args := append([]string(nil), sc.Args...)
	for i, a := range args {
		for path, at := range mounts {
			if a == path || strings.HasPrefix(a, path+"/") {
				args[i] = at + strings.TrimPrefix(a, path)
			}
		}
		if i > 0 && args[i-1] == "--port" {
			args[i] = "127.0.0.1:" + strconv.Itoa(port)
		}
	}
	cmd := exec.Command(s3test.Binary(s3test.Versity), args...)
	cmd.Env = os.Environ()
	for _, e := range sc.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
			continue
		}
		var sec corev1.Secret
		if err := c.Get(context.Background(), types.NamespacedName{Namespace: job.Namespace, Name: e.ValueFrom.SecretKeyRef.Name}, &sec); err != nil {
			t.Fatalf("env %s: %v", e.Name, err)
		}
		cmd.Env = append(cmd.Env, e.Name+"="+string(sec.Data[e.ValueFrom.SecretKeyRef.Key]))
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	poll(t, "the drill's temporary store", func() error {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err != nil {
			return err
		}
		return conn.Close()
	})
	from := fmt.Sprintf("localhost:%d", sc.Ports[0].ContainerPort)
	local.Store(from, fmt.Sprintf("localhost:%d", port))
	t.Cleanup(func() { local.Delete(from) })
}
