package s3test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
)

// seaweedfsCommand is `weed server -s3`: master, volume server, filer and
// S3 gateway in one process, kept small and quick to start:
//
//   - everything binds Options.Host only (127.0.0.1 by default), on ports
//     found free (8: HTTP and gRPC of each component); the Iceberg and
//     Lance catalog ports, metrics, WebDAV, SFTP and the IAM service stay
//     off;
//   - the S3 port serves TLS only: with -s3.cert.file and -s3.key.file and
//     no -s3.port.https, -s3.port itself is the HTTPS listener (with
//     -s3.port.https the plain HTTP port stays open beside it);
//   - identities come from -s3.config: root (Admin), and with a bucket
//     Upload (Read, Write, List on it) and ReadOnly (Read, List on it); no
//     anonymous identity, so an unsigned request is refused;
//   - one master, no raft quorum to wait for (-master.peers=none);
//   - volumes of 256 MiB (sparse files), two grown per bucket, up to 100;
//   - the master does not report telemetry to seaweedfs.com, the volume
//     server stops at once (-volume.preStopSeconds=0), logs go to stderr
//     only, and HOME and the working directory are the test's directory, so
//     no master.toml or filer.toml of the machine is read.
func (s *Server) seaweedfsCommand(bin, dir string, c *certs, o Options) (*exec.Cmd, error) {
	ports, err := freePorts(o.host(), 8)
	if err != nil {
		return nil, err
	}
	p := make([]string, len(ports))
	for i, a := range ports {
		_, p[i], _ = net.SplitHostPort(a)
	}
	s.Endpoint = ports[6]
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "identities.json")
	if err := writeIdentities(config, o.Bucket); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-logtostderr=true", "server",
		"-dir="+data, "-ip="+o.host(), "-ip.bind="+o.host(),
		"-master.port="+p[0], "-master.port.grpc="+p[1], "-master.peers=none", "-master.telemetry=false",
		"-master.volumeSizeLimitMB=256",
		"-volume.port="+p[2], "-volume.port.grpc="+p[3], "-volume.max=100", "-volume.preStopSeconds=0",
		"-filer", "-filer.port="+p[4], "-filer.port.grpc="+p[5], "-filer.localSocket="+filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port="+p[6], "-s3.port.grpc="+p[7], "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.localSocket="+filepath.Join(dir, "s3.sock"),
		"-s3.cert.file="+c.certFile, "-s3.key.file="+c.keyFile, "-s3.config="+config)
	cmd.Dir = dir
	// Each bucket is a collection of its own, and the master grows 7
	// volumes for a new one by default: 2 are plenty on one disk.
	cmd.Env = append(os.Environ(), "HOME="+dir, "WEED_MASTER_VOLUME_GROWTH_COPY_1=2")
	return cmd, nil
}

// identity is one entry of SeaweedFS's -s3.config.
type identity struct {
	Name        string       `json:"name"`
	Credentials []credential `json:"credentials"`
	Actions     []string     `json:"actions"`
}

type credential struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// writeIdentities writes root's identity, and with a bucket (or a pattern
// such as "data-*") those of Upload and ReadOnly on it. SeaweedFS's Write
// action also covers DeleteObject: unlike versitygw's Upload, this one can
// delete.
func writeIdentities(path, bucket string) error {
	ids := []identity{{Name: "root", Credentials: []credential{{RootAccess, RootSecret}},
		Actions: []string{"Admin", "Read", "List", "Tagging", "Write"}}}
	if bucket != "" {
		ids = append(ids,
			identity{Name: "upload", Credentials: []credential{{Upload.Access, Upload.Secret}},
				Actions: []string{"Read:" + bucket, "Write:" + bucket, "List:" + bucket}},
			identity{Name: "readonly", Credentials: []credential{{ReadOnly.Access, ReadOnly.Secret}},
				Actions: []string{"Read:" + bucket, "List:" + bucket}})
	}
	b, err := json.MarshalIndent(map[string]any{"identities": ids}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
