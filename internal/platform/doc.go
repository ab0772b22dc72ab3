// Package platform builds every object a DataPlatform owns, as pure
// functions of the platform (and of what the cluster shows, for the
// network rules). The controller applies what these return with
// server-side apply; nothing here talks to the API server, so each builder
// is table-tested on its own.
package platform
