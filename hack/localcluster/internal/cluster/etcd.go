package cluster

import (
	"context"
	"fmt"
	"time"
)

// etcdArgs: one member, plain HTTP on loopback only.
func etcdArgs(c *Config) []string {
	peer := fmt.Sprintf("http://127.0.0.1:%d", c.EtcdPeerPort)
	return []string{
		"--name=localcluster",
		"--data-dir=" + c.path("etcd"),
		"--listen-client-urls=" + c.EtcdURL(),
		"--advertise-client-urls=" + c.EtcdURL(),
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=localcluster=" + peer,
		"--initial-cluster-state=new",
		"--listen-metrics-urls=" + fmt.Sprintf("http://127.0.0.1:%d", c.EtcdClientPort+2),
		"--unsafe-no-fsync=true", // a throwaway test cluster: speed over durability
		"--quota-backend-bytes=4294967296",
		"--log-level=warn",
	}
}

// startEtcd starts etcd and waits for its /health.
func (cl *Cluster) startEtcd(ctx context.Context) error {
	if _, err := cl.startProcess("etcd", cl.bin("etcd"), etcdArgs(&cl.Config), nil); err != nil {
		return err
	}
	return cl.waitHTTP(ctx, "etcd", cl.EtcdURL()+"/health", 30*time.Second)
}
