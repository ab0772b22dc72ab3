package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scidata-io/scidata-operator/hack/imagebuild"
)

func main() {
	out := flag.String("out", "bin/images/scidata-operator.tar", "the OCI image layout tarball to write")
	ref := flag.String("ref", "scidata-operator:dev", "the image reference containerd tags the image with on import")
	pkg := flag.String("pkg", ".", "the Go package of the binary")
	binary := flag.String("binary", "", "package this static binary instead of building --pkg")
	path := flag.String("path", "/scidata-operator", "where the binary is in the image; it is the entrypoint")
	flag.Parse()
	if err := build(*out, *ref, *pkg, *binary, *path); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func build(out, ref, pkg, binary, path string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(out), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := binary
	if bin == "" {
		bin = filepath.Join(work, filepath.Base(path))
		// The binary is built here rather than taken from bin/: bin/ may be
		// shared between checkouts, and the image must hold this one's code.
		if err := imagebuild.GoBinary(".", pkg, bin, "-s -w"); err != nil {
			return err
		}
	} else if err := imagebuild.CheckStatic(bin); err != nil {
		return err
	}
	img, err := imagebuild.StaticBinaryImage(bin, path, "65532:65532")
	if err != nil {
		return err
	}
	if err := imagebuild.WriteOCITarball(out, ref, img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s (%s)\n", out, imagebuild.ContainerdName(ref), digest)
	return nil
}
