package cluster

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// File is one entry of an image layer.
type File struct {
	Path     string // absolute, in the image
	Mode     int64
	Data     []byte
	Linkname string // a symlink when set
	Dir      bool
}

// ImageSpec describes a single-layer image with no base.
type ImageSpec struct {
	Files      []File
	Entrypoint []string
	Cmd        []string
	User       string
	Env        []string
}

// layerTar writes the files as a tar stream, parent directories first, with
// a fixed time so that the same files make the same layer digest.
func layerTar(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	dirs := map[string]bool{}
	var addDirs func(p string) error
	addDirs = func(p string) error {
		d := filepath.Dir(p)
		if d == "/" || d == "." || dirs[d] {
			return nil
		}
		if err := addDirs(d); err != nil {
			return err
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: 0o755, ModTime: epoch})
	}
	sorted := append([]File(nil), files...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, f := range sorted {
		if err := addDirs(f.Path); err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(f.Path, "/")
		h := &tar.Header{Name: name, Mode: f.Mode, ModTime: epoch}
		switch {
		case f.Dir:
			if dirs[f.Path] {
				continue
			}
			dirs[f.Path] = true
			h.Typeflag, h.Name = tar.TypeDir, name+"/"
		case f.Linkname != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Linkname
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), tw.Close()
}

// BuildImage makes a linux/amd64 image of one layer on an empty base.
func BuildImage(spec ImageSpec) (v1.Image, error) {
	data, err := layerTar(spec.Files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	// OCI media types throughout: an OCI image, not a Docker one.
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Unix(0, 0)}
	cf.Config.Entrypoint = spec.Entrypoint
	cf.Config.Cmd = spec.Cmd
	cf.Config.User = spec.User
	cf.Config.Env = append([]string{"PATH=/bin:/usr/bin:/sbin:/usr/sbin"}, spec.Env...)
	return mutate.ConfigFile(img, cf)
}

// WriteOCITarball writes the image as an OCI image layout in a tar file,
// named ref both for containerd (io.containerd.image.name) and the OCI
// annotation, so `ctr images import` tags it.
func WriteOCITarball(path, ref string, img v1.Image) error {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	err = lp.AppendImage(img,
		layout.WithAnnotations(map[string]string{
			"io.containerd.image.name":          ref,
			"org.opencontainers.image.ref.name": ref,
		}),
		layout.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		return err
	}
	return tarDir(dir, path)
}

// tarDir writes the directory's files into a tar file.
func tarDir(dir, path string) error {
	out, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	tw := tar.NewWriter(out)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = rel
		if fi.IsDir() {
			h.Name += "/"
		}
		h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname = time.Unix(0, 0), 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path + ".tmp")
		return err
	}
	return os.Rename(path+".tmp", path)
}

// pauseImage builds the project's pause program (hack/localcluster/pause)
// statically and puts it in an image that runs as nobody.
func pauseImage(repoRoot, work string) (v1.Image, error) {
	bin := filepath.Join(work, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./hack/localcluster/pause")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build pause: %v: %s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return BuildImage(ImageSpec{
		Files:      []File{{Path: "/pause", Mode: 0o755, Data: data}},
		Entrypoint: []string{"/pause"},
		User:       "65535:65535",
	})
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
	files := []File{
		{Path: "/bin/busybox", Mode: 0o755, Data: data},
		{Path: "/tmp", Mode: 0o1777, Dir: true},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
	}
	for _, a := range busyboxApplets {
		files = append(files, File{Path: "/bin/" + a, Mode: 0o777, Linkname: "busybox"})
	}
	return BuildImage(ImageSpec{Files: files, Cmd: []string{"sh"}})
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
		return fmt.Errorf("ctr images import %s: %v: %s", tarPath, err, out)
	}
	return nil
}
