// Command image builds the operator's container image without a container
// engine: the binary, built static (CGO_ENABLED=0, -trimpath), as the one
// layer of an empty image that runs it as 65532:65532, written as an OCI
// image layout tarball that containerd imports:
//
//	go run ./hack/image --out bin/images/scidata-operator.tar --ref scidata-operator:dev
//
// With --binary it packages a static binary built elsewhere instead: the
// managed object store's image is bin/versitygw, built from its pinned Go
// module by `make versitygw`:
//
//	go run ./hack/image --binary bin/versitygw --path /usr/local/bin/versitygw \
//	  --out bin/images/scidata-objectstore.tar --ref scidata-objectstore:dev
//
// `make image` builds both; `go run ./hack/localcluster load-image FILE` (or
// `up --load-image FILE`) puts the result into the local node.
package main
