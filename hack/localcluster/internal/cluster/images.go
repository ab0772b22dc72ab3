package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/scidata-io/scidata-operator/hack/imagebuild"
)

// pauseImage builds the project's pause program (hack/localcluster/pause)
// statically and puts it in an image that runs as nobody.
func pauseImage(repoRoot, work string) (v1.Image, error) {
	bin := filepath.Join(work, "pause")
	if err := imagebuild.GoBinary(repoRoot, "./hack/localcluster/pause", bin, "-s -w"); err != nil {
		return nil, err
	}
	return imagebuild.StaticBinaryImage(bin, "/pause", "65535:65535")
}

// busyboxApplets are linked in /bin; busybox-static provides them all.
var busyboxApplets = []string{
	"sh", "ash", "cat", "chmod", "chown", "cp", "date", "dd", "df", "du", "echo", "env", "false",
	"grep", "head", "hostname", "id", "ip", "kill", "ln", "ls", "mkdir", "mv", "nc", "nslookup",
	"ping", "printf", "ps", "pwd", "rm", "rmdir", "sed", "seq", "sha256sum", "sleep", "sort",
	"stat", "sync", "tail", "tee", "test", "timeout", "top", "touch", "tr", "true", "uname",
	"wc", "wget", "whoami", "xargs", "[",
}

// busyboxImage wraps Debian's busybox-static: a shell for probes and for
// local-path-provisioner's helper pods (which must run as root to make
// directories on the host path).
func busyboxImage(busybox string) (v1.Image, error) {
	data, err := os.ReadFile(busybox)
	if err != nil {
		return nil, err
	}
	files := []imagebuild.File{
		{Path: "/bin/busybox", Mode: 0o755, Data: data},
		{Path: "/tmp", Mode: 0o1777, Dir: true},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
	}
	for _, a := range busyboxApplets {
		files = append(files, imagebuild.File{Path: "/bin/" + a, Mode: 0o777, Linkname: "busybox"})
	}
	return imagebuild.BuildImage(imagebuild.ImageSpec{Files: files, Cmd: []string{"sh"}})
}

// ImportImage loads an image tarball (OCI layout or docker save format)
// into the node's containerd, in the namespace the kubelet uses.
func (c *Config) ImportImage(tarPath string) error {
	if _, err := os.Stat(c.ContainerdSocket()); err != nil {
		return fmt.Errorf("containerd is not running (no %s): run up first", c.ContainerdSocket())
	}
	abs, err := filepath.Abs(tarPath)
	if err != nil {
		return err
	}
	cmd := exec.Command("ctr", "--address", c.ContainerdSocket(), "-n", "k8s.io", "images", "import", abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr images import %s: %w: %s", tarPath, err, out)
	}
	return nil
}

// imageTar is where a built image's tarball goes.
func (cl *Cluster) imageTar(name string) string { return cl.path("images", name+".tar") }

// buildImages writes the pause and busybox image tarballs.
func (cl *Cluster) buildImages(ctx context.Context) error {
	work := cl.path("images")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	pause, err := pauseImage(cl.RepoRoot, work)
	if err != nil {
		return err
	}
	if err := imagebuild.WriteOCITarball(cl.imageTar("pause"), cl.PauseImage, pause); err != nil {
		return err
	}
	bb, err := busyboxImage("/bin/busybox")
	if err != nil {
		return err
	}
	if err := imagebuild.WriteOCITarball(cl.imageTar("busybox"), cl.BusyboxImage, bb); err != nil {
		return err
	}
	cl.say("%s, %s", cl.PauseImage, cl.BusyboxImage)
	return nil
}

// importImages loads the built images and those of --load-image.
func (cl *Cluster) importImages(ctx context.Context) error {
	return cl.importTars(append([]string{cl.imageTar("pause"), cl.imageTar("busybox")}, cl.LoadImages...))
}

// importLoadImages loads only the images of --load-image.
func (cl *Cluster) importLoadImages(ctx context.Context) error { return cl.importTars(cl.LoadImages) }

func (cl *Cluster) importTars(tars []string) error {
	for _, t := range tars {
		if err := cl.ImportImage(t); err != nil {
			return err
		}
		cl.say("imported %s", filepath.Base(t))
	}
	return nil
}
