package imagebuild

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImagesAreReproducibleOCITarballsNamedForContainerd(t *testing.T) {
	dir := t.TempDir()
	spec := ImageSpec{
		Files:      []File{{Path: "/bin/tool", Mode: 0o755, Data: []byte("#!/bin/sh\n")}, {Path: "/bin/sh", Linkname: "tool", Mode: 0o777}},
		Entrypoint: []string{"/bin/tool"},
		User:       "65532:65532",
	}
	a, err := BuildImage(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BuildImage(spec)
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("same files, different digests %s %s", da, db)
	}
	cf, _ := a.ConfigFile()
	if cf.Config.User != "65532:65532" || cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Fatalf("config %+v", cf.Config)
	}
	path := filepath.Join(dir, "img.tar")
	if err := WriteOCITarball(path, "localcluster.scidata.io/tool:v1", a); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	names := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		names[h.Name] = body
	}
	if _, ok := names["oci-layout"]; !ok {
		t.Fatalf("no oci-layout in %v", names)
	}
	var idx struct {
		Manifests []struct {
			MediaType   string            `json:"mediaType"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(names["index.json"], &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json %s: %v", names["index.json"], err)
	}
	m := idx.Manifests[0]
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.Annotations["io.containerd.image.name"] != "localcluster.scidata.io/tool:v1" {
		t.Fatalf("index.json %s", names["index.json"])
	}
}

func TestContainerdNameNormalisesAsDockerDoes(t *testing.T) {
	for ref, want := range map[string]string{
		"scidata-operator:dev":                   "docker.io/library/scidata-operator:dev",
		"scidata-operator":                       "docker.io/library/scidata-operator:latest",
		"scidata-io/scidata-operator:v1":         "docker.io/scidata-io/scidata-operator:v1",
		"localcluster.scidata.io/pause:v1":       "localcluster.scidata.io/pause:v1",
		"localhost/x:1":                          "localhost/x:1",
		"registry:5000/team/img:2":               "registry:5000/team/img:2",
		"docker.io/library/scidata-operator:dev": "docker.io/library/scidata-operator:dev",
	} {
		if got := ContainerdName(ref); got != want {
			t.Errorf("ContainerdName(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestStaticBinaryImageRunsTheBinaryAsTheGivenUser(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(bin, []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	img, err := StaticBinaryImage(bin, "/scidata-operator", "65532:65532")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/scidata-operator" {
		t.Fatalf("config %+v", cf.Config)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("want one layer, got %d (%v)", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "scidata-operator" && h.Mode != 0o755 {
			t.Errorf("mode %o", h.Mode)
		}
	}
	if len(names) != 1 || names[0] != "scidata-operator" {
		t.Fatalf("layer holds %v, want only the binary", names)
	}
}

func TestCheckStaticTellsStaticFromDynamicBinaries(t *testing.T) {
	dir := t.TempDir()
	static := filepath.Join(dir, "static")
	if err := GoBinary("../..", "./hack/localcluster/pause", static, "-s -w"); err != nil {
		t.Fatal(err)
	}
	if err := CheckStatic(static); err != nil {
		t.Errorf("a CGO_ENABLED=0 build: %v", err)
	}
	// /bin/sh on Debian is dynamically linked.
	if err := CheckStatic("/bin/sh"); err == nil || !strings.Contains(err.Error(), "dynamically") {
		t.Errorf("/bin/sh: %v, want it refused as dynamically linked", err)
	}
	if err := CheckStatic(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was accepted")
	}
}
