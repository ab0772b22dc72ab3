// Package v1alpha1 contains the scidata.io/v1alpha1 API: DataPlatform,
// CatalogEntry, SubmissionPolicy and Submission.
//
// The package holds types, doc comments and markers only; behaviour lives in
// internal/ and controllers/.
//
// +kubebuilder:object:generate=true
// +groupName=scidata.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "scidata.io", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a scheme; each
	// kind's file adds itself with SchemeBuilder.Register in its init.
	SchemeBuilder = &schemeBuilder{}

	// AddToScheme adds the kinds of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// schemeBuilder does what controller-runtime's scheme.Builder does, with
// apimachinery alone: this package imports nothing but apimachinery and
// core/v1, so a client can use the types without controller-runtime.
type schemeBuilder runtime.SchemeBuilder

// Register adds objects to GroupVersion, with the group version's meta
// types (ListOptions, DeleteOptions, ...), when the scheme is built.
func (b *schemeBuilder) Register(objects ...runtime.Object) {
	(*runtime.SchemeBuilder)(b).Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, objects...)
		metav1.AddToGroupVersion(s, GroupVersion)
		return nil
	})
}

// AddToScheme adds every registered kind to s.
func (b *schemeBuilder) AddToScheme(s *runtime.Scheme) error {
	return (*runtime.SchemeBuilder)(b).AddToScheme(s)
}
