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
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "scidata.io", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
