package store

import (
	"fmt"
	"k8s.io/utils/ptr"
	"net"
	"net/url"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// Account is one of a store's accounts, by what it is for.
type Account string

const (
	// Root is a Managed store's own root account: only the store's pod
	// uses it. An External store's root stays with the city's storage team.
	Root Account = "root"
	// Upload is the owners' account. On a department's store it reads,
	// writes, lists and deletes; on the Center's it only reads and lists
	// what was received.
	Upload Account = "upload"
	// CenterRead is the Center's read-only account on a department's
	// store: the Center's sync Jobs read with it.
	CenterRead Account = "center-read"
	// SyncWriter is the Center's writer on the Center's store: the sync
	// Jobs write submitted data with it, the manager reads manifests back
	// and writes receipts.
	SyncWriter Account = "sync-writer"
)

// Keys of what this package reads and what pods mount.
const (
	// CAField holds a PEM CA bundle in what a pod mounts: the ConfigMap
	// scidata-ca and the Center's copy of a department's read-only account.
	CAField = platform.CABundleKey
	// ProbePrefix is the reserved prefix the probe writes under, one key per
	// platform (ProbeKey). No data may live there.
	ProbePrefix = ".scidata-probe/"
)

// managedBucket is the bucket every Managed store serves.
const managedBucket = "scidata"

// Ref names a Secret, and for a CA bundle the key that holds it.
type Ref struct {
	Namespace string
	Name      string
	// Key is the Secret's key holding a CA bundle; accounts always hold
	// platform.AccessKeyField and platform.SecretKeyField.
	Key string
}

// NamespacedName is the Secret's key in the API.
func (r Ref) NamespacedName() types.NamespacedName {
	return types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
}

func (r Ref) String() string { return r.Namespace + "/" + r.Name }

// Describe names an account of the store and the Secret it is in, for
// messages a person acts on: the owners' account is called what it does
// on this store (it only reads on the Center's).
func (s Store) Describe(a Account) string {
	what := string(a)
	if a == Upload {
		what = "owners' upload"
		if s.Role == scidatav1.RoleCenter {
			what = "owners' read-only"
		}
	}
	return fmt.Sprintf("the %s account (Secret %s)", what, s.Accounts[a])
}

// Store is one platform's object store, as every client reaches it.
type Store struct {
	// Platform is the DataPlatform's name; Role its role.
	Platform string
	Role     scidatav1.PlatformRole
	// Managed is true when the operator runs the store.
	Managed bool
	// Endpoint is the store's https:// URL.
	Endpoint string
	// Bucket holds the platform's data.
	Bucket string
	// Region signs requests; "" is us-east-1.
	Region string
	// PathStyle addresses the bucket in the path (https://host/bucket/key),
	// which every on-premises store serves; otherwise in the host name
	// (https://bucket.host/key).
	PathStyle bool
	// CA is the Secret key the manager reads the store's CA bundle from;
	// a zero Ref means the system roots.
	CA Ref
	// Accounts are where the manager reads each account's keys.
	Accounts map[Account]Ref
}

// For describes p's store. Secrets an External spec names without a
// namespace are in operatorNamespace, where the operator reads them.
func For(p *scidatav1.DataPlatform, operatorNamespace string) Store {
	st := Store{Platform: p.Name, Role: p.Spec.Role, Accounts: map[Account]Ref{}}
	ext := p.Spec.ObjectStore.External
	if p.Spec.ObjectStore.Mode != scidatav1.ObjectStoreExternal || ext == nil {
		ns := platform.Namespace(p)
		st.Managed = true
		st.Endpoint = fmt.Sprintf("https://%s.%s.svc:%d", platform.ObjectStoreName, ns, platform.ObjectStorePort)
		st.Bucket = managedBucket
		st.PathStyle = true
		st.CA = Ref{Namespace: operatorNamespace, Name: platform.CASecretName, Key: "tls.crt"}
		st.Accounts[Root] = Ref{Namespace: ns, Name: platform.RootCredentialsName}
		st.Accounts[Upload] = Ref{Namespace: ns, Name: platform.UploadCredentialsName}
		if p.Spec.Role == scidatav1.RoleCenter {
			st.Accounts[SyncWriter] = Ref{Namespace: ns, Name: platform.SyncCredentialsName}
		} else {
			st.Accounts[CenterRead] = Ref{Namespace: ns, Name: platform.CenterReadCredentialsName}
		}
		return st
	}
	ref := func(r *scidatav1.SecretKeyReference, key string) Ref {
		if r == nil {
			return Ref{}
		}
		ns := r.Namespace
		if ns == "" {
			ns = operatorNamespace
		}
		return Ref{Namespace: ns, Name: r.Name, Key: key}
	}
	st.Endpoint = ext.Endpoint
	st.Bucket = ext.Bucket
	st.Region = ptr.Deref(ext.Region, "")
	st.PathStyle = ptr.Deref(ext.AddressingStyle, scidatav1.AddressingPath) != scidatav1.AddressingVirtualHosted
	st.CA = ref(ext.CASecret, CAField)
	st.Accounts[Upload] = ref(&ext.CredentialsSecret, "")
	if p.Spec.Role == scidatav1.RoleDepartment {
		if r := ref(ext.CenterReadCredentialsSecret, ""); r.Name != "" {
			st.Accounts[CenterRead] = r
		}
	} else if r := ref(ext.SyncWriterCredentialsSecret, ""); r.Name != "" {
		st.Accounts[SyncWriter] = r
	}
	return st
}

// Field is the spec field of an External store that names account a's
// Secret ("" for the CA bundle's).
func Field(a Account) string {
	const ext = "spec.objectStore.external."
	switch a {
	case Upload:
		return ext + "credentialsSecret"
	case CenterRead:
		return ext + "centerReadCredentialsSecret"
	case SyncWriter:
		return ext + "syncWriterCredentialsSecret"
	}
	return ext + "caSecret"
}

// Writer is the account that writes into the bucket: the owners' on a
// department's store, the sync writer on the Center's.
func (st Store) Writer() Account {
	if st.Role == scidatav1.RoleCenter {
		return SyncWriter
	}
	return Upload
}

// Reader is the account that must read the bucket and may not write
// into it: the Center's read-only account on a department's store, the
// owners' on the Center's (no person alters what was received).
func (st Store) Reader() Account {
	if st.Role == scidatav1.RoleCenter {
		return Upload
	}
	return CenterRead
}

// ProbeKey is the one key the probe writes, under ProbePrefix.
func (st Store) ProbeKey() string { return ProbePrefix + st.Platform }

// HostPort is the endpoint's host:port, 443 when the URL names no port.
func (st Store) HostPort() (string, error) {
	u, err := url.Parse(st.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("endpoint %q is not an https:// URL", st.Endpoint)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "443"), nil
	}
	return u.Host, nil
}

// Port is the endpoint's TCP port (443 when none is given), 0 when the
// endpoint is not a URL.
func (st Store) Port() int32 {
	hp, err := st.HostPort()
	if err != nil {
		return 0
	}
	_, p, _ := net.SplitHostPort(hp)
	n, _ := strconv.ParseInt(p, 10, 32)
	return int32(n)
}

// Mount is what a pod in Namespace mounts to reach a store with one
// account: Secret holds the keys (platform.AccessKeyField,
// platform.SecretKeyField) and, when CAConfigMap is empty and the store
// has a CA, the CA bundle under CAField; otherwise the ConfigMap
// CAConfigMap holds it under CAField.
type Mount struct {
	Namespace   string
	Secret      string
	CAConfigMap string
}

// Pods is what the platform's own pods mount: the owners' upload account
// and the store's CA bundle, in the platform's namespace (for an External
// store, copies of what the spec names).
func (st Store) Pods() Mount {
	return Mount{Namespace: scidatav1.NamespacePrefix + st.Platform, Secret: platform.UploadCredentialsName, CAConfigMap: platform.CABundleName}
}

// CenterSource is what the Center's sync pods mount to read this
// (department) store: the copy of its read-only account in the Center's
// namespace, which also holds the store's CA bundle.
func (st Store) CenterSource() Mount {
	return Mount{Namespace: platform.CenterNamespace, Secret: platform.MirroredReadSecretName(st.Platform)}
}

// CenterDest is what the Center's sync pods mount to write into this (the
// Center's) store: its sync writer and its CA bundle.
func (st Store) CenterDest() Mount {
	return Mount{Namespace: platform.CenterNamespace, Secret: platform.SyncCredentialsName, CAConfigMap: platform.CABundleName}
}

// HasCA reports whether the store names a CA bundle (else: system roots).
func (st Store) HasCA() bool { return st.CA.Name != "" }

// Secrets are every Secret the manager reads for the store: its accounts
// (but root, which only the store's pod uses) and its CA, each once.
func (st Store) Secrets() []Ref {
	var out []Ref
	seen := map[string]bool{}
	add := func(r Ref) {
		if r.Name != "" && !seen[r.String()] {
			seen[r.String()] = true
			out = append(out, r)
		}
	}
	for _, a := range []Account{Upload, CenterRead, SyncWriter} {
		if r, ok := st.Accounts[a]; ok {
			add(Ref{Namespace: r.Namespace, Name: r.Name})
		}
	}
	add(Ref{Namespace: st.CA.Namespace, Name: st.CA.Name})
	return out
}

// Peers is where p's External store answers, for the NetworkPolicies of
// those who may reach it, from its spec: each CIDR, or the store's pods, on
// its ports (the endpoint's port by default). None for a Managed store (its
// pods are the platform's own), or an External one whose network is not
// stated.
func Peers(p *scidatav1.DataPlatform, operatorNamespace string) []platform.Peer {
	ext := p.Spec.ObjectStore.External
	if p.Spec.ObjectStore.Mode != scidatav1.ObjectStoreExternal || ext == nil || ext.Network == nil {
		return nil
	}
	return networkPeers(*ext.Network, For(p, operatorNamespace).Port())
}

// networkPeers is where a store declared at n answers: each CIDR, or the
// store's pods, on n's ports or else defaultPort (none when 0).
func networkPeers(n scidatav1.ExternalStoreNetwork, defaultPort int32) []platform.Peer {
	nums := append([]int32(nil), n.Ports...)
	if len(nums) == 0 && defaultPort != 0 {
		nums = []int32{defaultPort}
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	var ports []platform.Port
	for _, port := range nums {
		ports = append(ports, platform.Port{Port: port, Protocol: corev1.ProtocolTCP})
	}
	if ns := ptr.Deref(n.Namespace, ""); ns != "" {
		return []platform.Peer{{Namespace: ns, PodLabels: n.PodSelector, Ports: ports}}
	}
	var peers []platform.Peer
	for _, c := range n.CIDRs {
		peers = append(peers, platform.Peer{CIDR: c, Ports: ports})
	}
	return peers
}

// WorkerArgs are the sync worker's flags for one side (source or dest) of
// a copy: the store's endpoint, bucket, and, where they are not the
// defaults, region and addressing style.
func (st Store) WorkerArgs(side string) []string {
	args := []string{"--" + side + "-endpoint", st.Endpoint, "--" + side + "-bucket", st.Bucket}
	if st.Region != "" {
		args = append(args, "--"+side+"-region", st.Region)
	}
	if !st.PathStyle {
		args = append(args, "--"+side+"-addressing", "virtual-hosted")
	}
	return args
}
