package scheme

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/access"
	"github.com/scidata-io/scidata-operator/internal/platform"
)

// New holds every kind the manager reads or writes.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(scidatav1.AddToScheme(s))
	return s
}

// CacheOptions limits what the manager caches to what it needs: Secrets,
// ConfigMaps and claims only of the operator's own making (never every
// Secret of the cluster), EndpointSlices only of the apiserver and DNS
// Services, Jobs and Pods only of the operator's components. The one
// exception is the operator's own namespace, where the cache holds every
// Secret: an External store's Secrets are made there by the city's storage
// team, without the operator's label.
//
// It also keeps the cached objects small: the managedFields of the kinds
// the operator never applies (CatalogEntries and Submissions, the bulk of
// a city's objects, and Pods) are dropped as they enter the cache; nothing
// reads them. The kinds internal/apply applies keep theirs: apply.Ensure
// compares the desired object with what its field manager applied last,
// extracted from managedFields, and without them every pass would apply
// again; so do DataPlatforms and SubmissionPolicies, whose paused
// condition names the manager that set spec.suspend.
func CacheOptions(dns types.NamespacedName, operatorNamespace string) cache.Options {
	managed := labels.SelectorFromSet(labels.Set{scidatav1.LabelManagedBy: scidatav1.ManagedBy})
	endpoints, err := labels.Parse(fmt.Sprintf("%s in (%s,%s)", discoveryv1.LabelServiceName, platform.APIServerService.Name, dns.Name))
	if err != nil {
		panic(err) // both names are validated DNS names
	}
	jobs, err := labels.Parse(fmt.Sprintf("%s in (%s,%s,%s,%s)", scidatav1.LabelComponent, platform.ComponentSync, platform.ComponentBackup, platform.ComponentRestoreDrill, access.ComponentGrantCheck))
	if err != nil {
		panic(err) // constant label values
	}
	// Pods: the sync, backup and grant-check Jobs' (their outcome) and the
	// object stores' (why a store is not ready), never every pod of the
	// cluster.
	pods, err := labels.Parse(fmt.Sprintf("%s in (%s,%s,%s,%s,%s)", scidatav1.LabelComponent, platform.ComponentSync, platform.ComponentBackup, platform.ComponentRestoreDrill, access.ComponentGrantCheck, platform.ComponentObjectStore))
	if err != nil {
		panic(err) // constant label values
	}
	strip := cache.TransformStripManagedFields()
	// Secrets: every one of the operator's namespace (an External store's
	// accounts and CA, which a DataPlatform names and the operator reads
	// there only), elsewhere only the operator's own.
	secrets := map[string]cache.Config{
		operatorNamespace:   {LabelSelector: labels.Everything()},
		cache.AllNamespaces: {LabelSelector: managed},
	}
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&scidatav1.CatalogEntry{}: {Transform: strip},
		&scidatav1.Submission{}:   {Transform: strip},
		// Only the sync, backup and restore drill Jobs and the grant checks,
		// never every Job of the cluster.
		&batchv1.Job{}:                  {Label: jobs},
		&corev1.Pod{}:                   {Label: pods, Transform: strip},
		&corev1.Secret{}:                {Namespaces: secrets},
		&corev1.ConfigMap{}:             {Label: managed},
		&corev1.PersistentVolumeClaim{}: {Label: managed},
		&discoveryv1.EndpointSlice{}:    {Label: endpoints},
	}}
}
