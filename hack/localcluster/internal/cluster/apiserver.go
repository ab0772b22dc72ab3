package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// admissionPlugins are enabled explicitly so that the cluster admits what a
// production cluster admits: PodSecurity for the restricted standard the
// operator's pods meet, ValidatingAdmissionPolicy for the operator's own
// policies, NodeRestriction for the kubelet.
var admissionPlugins = []string{
	"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "NodeRestriction",
	"PodSecurity", "Priority", "DefaultTolerationSeconds", "DefaultStorageClass",
	"StorageObjectInUseProtection", "PersistentVolumeClaimResize", "RuntimeClass",
	"CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction",
	"DefaultIngressClass", "TaintNodesByCondition",
	"MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook",
	"ResourceQuota",
}

func apiserverArgs(c *Config) []string {
	pki := func(f string) string { return c.path("pki", f) }
	args := []string{
		"--etcd-servers=" + c.EtcdURL(),
		"--bind-address=" + c.APIServerHost(),
		fmt.Sprintf("--secure-port=%d", c.APIServerPort),
		"--tls-cert-file=" + pki("apiserver.crt"),
		"--tls-private-key-file=" + pki("apiserver.key"),
		"--client-ca-file=" + pki("ca.crt"),
		"--service-cluster-ip-range=" + c.ServiceCIDR,
		"--service-account-issuer=https://kubernetes.default.svc." + c.ClusterDomain,
		"--service-account-key-file=" + pki("sa.pub"),
		"--service-account-signing-key-file=" + pki("sa.key"),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=" + strings.Join(admissionPlugins, ","),
		"--allow-privileged=true",
		// The hostname resolves to 127.0.0.1 here while the kubelet listens
		// on the node IP: without this, logs/exec/port-forward dial loopback.
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		// Every write, with who made it (Metadata level; reads are not
		// logged): tests and benchmarks count one identity's writes from
		// it, which no metric can (apiserver_request_total has no user).
		"--audit-policy-file=" + c.path("audit-policy.yaml"),
		"--audit-log-path=" + c.AuditLog(),
		"--audit-log-format=json",
		"--audit-log-maxsize=4096",
		"--audit-log-maxbackup=1",
		"--profiling=false",
		"--v=1",
	}
	if c.Mode == ModeReal {
		// The kubernetes Service's endpoint: pods reach the apiserver at
		// 10.96.0.1:443, translated to the node IP.
		args = append(args, "--advertise-address="+c.NodeIP)
	} else {
		// Loopback cannot be a Service endpoint, and simulated pods never
		// call the apiserver: no endpoint for the kubernetes Service.
		args = append(args, "--endpoint-reconciler-type=none")
	}
	return args
}

// AuditLog is the apiserver's audit log: one JSON line per write request
// (create, update, patch, delete) at the Metadata level, with the user who
// made it and the object it names. It lives with the logs, so it is kept
// after down.
func (c *Config) AuditLog() string { return c.path("logs", "audit.log") }

// auditPolicy logs every request that may change something, without bodies,
// once its response is sent; reads (get, list, watch) are not logged.
func auditPolicy() string {
	return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: None
  verbs: ["get", "list", "watch"]
- level: None
  nonResourceURLs: ["*"]
- level: Metadata
`
}

// startAPIServer starts kube-apiserver and waits for its /readyz.
func (cl *Cluster) startAPIServer(ctx context.Context) error {
	if _, err := cl.startProcess("kube-apiserver", cl.bin("kube-apiserver"), apiserverArgs(&cl.Config), nil); err != nil {
		return err
	}
	return poll(ctx, 90*time.Second, "kube-apiserver /readyz", func() error {
		if err := cl.exited("kube-apiserver"); err != nil {
			return err
		}
		return cl.apiReady(ctx)
	})
}

// apiReady asks the apiserver's /readyz as the admin.
func (cl *Cluster) apiReady(ctx context.Context) error {
	cs, err := cl.adminClient()
	if err != nil {
		return err
	}
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("%w %s", err, body)
	}
	return nil
}

// RestartAPIServer stops kube-apiserver as a host would for an upgrade or
// after a crash (SIGTERM, SIGKILL after ten seconds), starts it again with
// the very arguments it ran with, and waits for its /readyz. It returns how
// long stopping took and how long the apiserver did not answer in all.
// etcd and every other component keep running: clients see connections
// refused, then a new apiserver.
func (cl *Cluster) RestartAPIServer(ctx context.Context) (stopped, down time.Duration, err error) {
	p := cl.process("kube-apiserver")
	if p == nil || !p.alive() || len(p.Args) == 0 {
		return 0, 0, fmt.Errorf("kube-apiserver is not running in %s", cl.StateDir)
	}
	start := time.Now()
	cl.stop(p, 10*time.Second)
	stopped = time.Since(start)
	if _, err := cl.startProcess(p.Name, p.Args[0], p.Args[1:], nil); err != nil {
		return stopped, time.Since(start), err
	}
	err = poll(ctx, 90*time.Second, "kube-apiserver /readyz after its restart", func() error {
		if err := cl.exited("kube-apiserver"); err != nil {
			return err
		}
		return cl.apiReady(ctx)
	})
	return stopped, time.Since(start), err
}
