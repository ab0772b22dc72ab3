package admission

import (
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Valid objects that each row of the invalid table breaks in one way.

// ns is the water-resources department's platform namespace and centerNS
// the Center's, both labelled as the DataPlatform controller labels them.
const (
	ns       = "scidata-water-resources"
	centerNS = "scidata-center"
)

// department is a Department platform named for its department code, as
// the CRD requires.
func department(name string) *scidatav1.DataPlatform {
	return &scidatav1.DataPlatform{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: scidatav1.DataPlatformSpec{
			Role:       scidatav1.RoleDepartment,
			Department: scidatav1.Department{Code: name, Name: "Water Resources Bureau", LocalName: "市水利局"},
			Owners:     scidatav1.Owners{Groups: []string{"dept-water-admins"}},
			Storage:    scidatav1.Storage{Size: resource.MustParse("10Gi")},
		},
	}
}

func center() *scidatav1.DataPlatform {
	p := department(scidatav1.CenterName)
	p.Spec.Role = scidatav1.RoleCenter
	p.Spec.Department = scidatav1.Department{Code: "st-info-institute", Name: "S&T Information Institute"}
	p.Spec.MaxClassification = scidatav1.ClassificationConfidential
	p.Spec.Upstream = &scidatav1.Upstream{Name: "Provincial Scientific Data Center", Endpoint: "https://data.province.example.org", CIDRs: []string{"198.51.100.0/24"}}
	p.Spec.Network = &scidatav1.PlatformNetwork{PublicNamespaces: []string{"ingress-nginx"}}
	return p
}

// external is an External store the city runs, with the accounts its
// storage team made for a department.
func external() *scidatav1.ExternalObjectStore {
	return &scidatav1.ExternalObjectStore{Endpoint: "https://s3.city.example.org", Bucket: "water-resources",
		CredentialsSecret:           scidatav1.SecretKeyReference{Name: "water-resources-s3"},
		CenterReadCredentialsSecret: &scidatav1.SecretKeyReference{Name: "water-resources-center-read"},
		CASecret:                    &scidatav1.SecretKeyReference{Name: "city-s3-ca"},
		Network:                     &scidatav1.ExternalStoreNetwork{CIDRs: []string{"10.20.0.0/24"}, Ports: []int32{443}}}
}

// backup is a backup into a bucket of the city's second store, cleared
// up to clearance.
func backup(clearance scidatav1.ClassificationLevel) *scidatav1.PlatformBackup {
	return &scidatav1.PlatformBackup{Schedule: "@daily", Target: scidatav1.BackupTarget{
		Endpoint: "https://backup.city.example.org", Bucket: "platform-backups",
		CredentialsSecret: scidatav1.SecretKeyReference{Name: "backup-writer"},
		CASecret:          scidatav1.SecretKeyReference{Name: "city-s3-ca"},
		Network:           &scidatav1.ExternalStoreNetwork{CIDRs: []string{"10.30.0.0/24"}, Ports: []int32{443}},
		Clearance:         clearance}}
}

// externalDepartment is a Department platform on the city's store.
func externalDepartment(name string) *scidatav1.DataPlatform {
	p := department(name)
	p.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: external()}
	return p
}

// externalCenter is the Center on the city's store, in the cluster.
func externalCenter() *scidatav1.DataPlatform {
	c := center()
	c.Spec.ObjectStore = scidatav1.ObjectStore{Mode: scidatav1.ObjectStoreExternal, External: &scidatav1.ExternalObjectStore{
		Endpoint: "https://s3.city-storage.svc:8333", Bucket: "center",
		CredentialsSecret:           scidatav1.SecretKeyReference{Name: "center-owners"},
		SyncWriterCredentialsSecret: &scidatav1.SecretKeyReference{Name: "center-sync"},
		CASecret:                    &scidatav1.SecretKeyReference{Name: "city-s3-ca"},
		Network:                     &scidatav1.ExternalStoreNetwork{Namespace: ptr.To("city-storage"), PodSelector: map[string]string{"app": "seaweedfs"}, Ports: []int32{8333}}}}
	return c
}

func entry(ns, name string) *scidatav1.CatalogEntry {
	return &scidatav1.CatalogEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.CatalogEntrySpec{
			Title:                 "Hourly rainfall at hydrological stations",
			Description:           "Hourly rainfall measured at the city's hydrological stations.",
			Subject:               "Hydrology",
			DataTypes:             []scidatav1.DataType{scidatav1.DataTypeTable, scidatav1.DataTypeNumeric},
			ResponsibleDepartment: scidatav1.Department{Code: "water-resources", Name: "Water Resources Bureau"},
			ProvidingDepartment:   scidatav1.Provider{Name: "Hydrology and Water Resources Survey Bureau"},
			Data:                  scidatav1.DataLocation{Prefix: "hydrology/rainfall/", ContentVersion: "2024.06"},
			Sharing:               scidatav1.Sharing{Mode: scidatav1.SharingOpen},
			Classification:        &scidatav1.Classification{Level: scidatav1.ClassificationPublic},
			AccessMethod:          scidatav1.AccessMethod{Type: scidatav1.AccessDownload, URL: "https://data.example.org/rainfall"},
		},
	}
}

func classified(e *scidatav1.CatalogEntry) *scidatav1.CatalogEntry {
	e.Spec.Classification = &scidatav1.Classification{
		Level:            scidatav1.ClassificationConfidential,
		SecrecyPeriodEnd: &metav1.Time{Time: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	e.Spec.Sharing = scidatav1.Sharing{Mode: scidatav1.SharingClosed}
	return e
}

func policy(ns, name string) *scidatav1.SubmissionPolicy {
	return &scidatav1.SubmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.SubmissionPolicySpec{
			Selector:       metav1.LabelSelector{MatchLabels: map[string]string{scidatav1.LabelDuty: scidatav1.DutyLabelMandatory}},
			ReviewRequired: ptr.To(true),
		},
	}
}

func submission(ns, name string) *scidatav1.Submission {
	return &scidatav1.Submission{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: scidatav1.SubmissionSpec{
			Entry:          scidatav1.LocalObjectReference{Name: "rainfall"},
			EntryUID:       "6f1d3c1e-0000-4000-8000-000000000001",
			Department:     "water-resources",
			ContentVersion: "2024.06",
			SourcePrefix:   "hydrology/rainfall/",
			Policy:         ns + "/government-funded",
			ReviewRequired: true,
		},
	}
}

var (
	at      = metav1.NewTime(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	later   = metav1.NewTime(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	keyID64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func approved(s *scidatav1.Submission) *scidatav1.Submission {
	s.Status.Review = &scidatav1.Review{Decision: scidatav1.ReviewApproved, By: reviewer, At: at}
	return s
}

// transferred is the operator's record of a completed transfer and its receipt.
func transferred(s *scidatav1.Submission) *scidatav1.Submission {
	s.Status.Transfer = &scidatav1.Transfer{
		JobName: "sync-water-resources-rainfall-1", StartedAt: &at, CompletedAt: &later,
		Destination: "water-resources/rainfall/2024.06/", ManifestDigest: "sha256:" + keyID64, Objects: 3, Bytes: 1024,
	}
	s.Status.Receipt = &scidatav1.Receipt{Payload: "eyJ9", Signature: "c2ln", KeyID: keyID64}
	return s
}

func received(s *scidatav1.Submission) *scidatav1.Submission { return transferred(approved(s)) }

// decision is a declassification decided by user.
func decision(user string) *scidatav1.Declassification {
	return &scidatav1.Declassification{By: user, At: at, Reason: "The survey results were published by the province; the secrecy office lifted their classification.",
		Reference: "BZZR-BM-2026-014"}
}

// secretEntry is a classified entry with a sensitivity, from a
// government-funded project.
func secretEntry(ns, name string) *scidatav1.CatalogEntry {
	e := classified(entry(ns, name))
	e.Spec.Classification.Sensitivities = []scidatav1.Sensitivity{scidatav1.SensitivityStateSecret}
	e.Spec.Funding = &scidatav1.Funding{Source: scidatav1.FundingGovernment, ProjectID: "BZSL-2024-003"}
	return e
}
