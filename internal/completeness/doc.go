// Package completeness scores a CatalogEntry's metadata: the share of the
// recommended (not required) fields that are filled, and which are missing.
// Required fields are enforced at admission, so they do not count.
package completeness
