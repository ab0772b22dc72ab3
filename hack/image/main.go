// Command image builds the operator's container image without a container
// engine: the binary, built static (CGO_ENABLED=0, -trimpath), as the one
// layer of an empty image that runs it as 65532:65532, written as an OCI
// image layout tarball that containerd imports:
//
//	go run ./hack/image --out bin/images/scidata-operator.tar --ref scidata-operator:dev
//
// `make image` runs it; `go run ./hack/localcluster load-image FILE` (or
// `up --load-image FILE`) puts the result into the local node.
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
	flag.Parse()
	if err := build(*out, *ref, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func build(out, ref, pkg string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(out), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "scidata-operator")
	// The binary is built here rather than taken from bin/: bin/ may be
	// shared between checkouts, and the image must hold this one's code.
	if err := imagebuild.GoBinary(".", pkg, bin, "-s -w"); err != nil {
		return err
	}
	img, err := imagebuild.StaticBinaryImage(bin, "/scidata-operator", "65532:65532")
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
