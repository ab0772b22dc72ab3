package store

import (
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// Target is p's backup target (spec.backup.target) as a store: its one
// account, the backup writer, is Upload; its Secrets are in
// operatorNamespace. ok is false when p has no spec.backup.
func Target(p *scidatav1.DataPlatform, operatorNamespace string) (st Store, ok bool) {
	if p.Spec.Backup == nil {
		return Store{}, false
	}
	t := p.Spec.Backup.Target
	return Store{
		Platform:  p.Name,
		Endpoint:  t.Endpoint,
		Bucket:    t.Bucket,
		Region:    ptr.Deref(t.Region, ""),
		PathStyle: ptr.Deref(t.AddressingStyle, scidatav1.AddressingPath) != scidatav1.AddressingVirtualHosted,
		CA:        Ref{Namespace: operatorNamespace, Name: t.CASecret.Name, Key: CAField},
		Accounts:  map[Account]Ref{Upload: {Namespace: operatorNamespace, Name: t.CredentialsSecret.Name}},
	}, true
}

// TargetPeers is where p's backup target answers, for the backup Jobs'
// egress: its CIDRs or pods, on its ports (the endpoint's by default).
func TargetPeers(p *scidatav1.DataPlatform, operatorNamespace string) []platform.Peer {
	st, ok := Target(p, operatorNamespace)
	if !ok || p.Spec.Backup.Target.Network == nil {
		return nil
	}
	return networkPeers(*p.Spec.Backup.Target.Network, st.Port())
}

// BackupSource is what the platform's backup Jobs mount to read its own
// store, in its namespace, with the CA bundle of the ConfigMap scidata-ca:
// a Managed department's read-only account (the Center's, which lists and
// reads and cannot write); on the Center's store the owners' account,
// which only reads there; on an External department's, the copy of the
// owners' account, the only one the namespace holds.
func (st Store) BackupSource() Mount {
	m := st.Pods()
	if st.Managed && st.Role == scidatav1.RoleDepartment {
		m.Secret = platform.CenterReadCredentialsName
	}
	return m
}
