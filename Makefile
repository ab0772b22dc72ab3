# scidata-operator. `make help` lists the targets.
#
# Every tool runs from bin/, built from Go modules pinned under hack/tools/;
# nothing is downloaded but Go modules and Debian packages.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

BIN           ?= $(CURDIR)/bin
CONTROLLER_GEN = $(BIN)/controller-gen
VERSITYGW      = $(BIN)/versitygw
WEED           = $(BIN)/weed
HELM           = $(BIN)/helm
GOLANGCI_LINT  = $(BIN)/golangci-lint
KUBE_API_LINTER = $(BIN)/kube-api-linter
K8S_ASSETS     = $(shell hack/build-k8s.sh --print-dir)
GO_TEST_FLAGS ?= -count=1 -timeout=30m
# The operator's image: an OCI image layout tarball, loaded into the local
# node with `go run ./hack/localcluster load-image $(IMAGE_TAR)`.
IMAGE         ?= scidata-operator:dev
IMAGE_TAR     ?= $(BIN)/images/scidata-operator.tar
# The managed object store's image: bin/versitygw, packaged the same way.
STORE_IMAGE     ?= scidata-objectstore:dev
STORE_IMAGE_TAR ?= $(BIN)/images/scidata-objectstore.tar
# Packages whose tests need nothing but Go. The envtest packages need the
# control plane that `k8s-envtest` builds.
PKGS          ?= ./...

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and the manager's RBAC from the code's markers, and the chart's copies of them.
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=scidata-operator-manager paths=./controllers/... output:rbac:artifacts:config=config/rbac
	$(MAKE) chart

.PHONY: chart
chart: ## Generate the Helm chart's CRDs, roles, admission policies and Argo CD check from config/, and the values reference in docs/install.md.
	go run ./hack/chartgen

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deep-copy code.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: fmt
fmt: ## Format the code.
	gofmt -s -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Vet the code.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) $(KUBE_API_LINTER) ## Lint: golangci-lint on the module (.golangci.yml), kube-api-linter on api/ (.kube-api-linter.yml).
	$(GOLANGCI_LINT) run -c .golangci.yml ./...
	$(KUBE_API_LINTER) run -c .kube-api-linter.yml ./api/...

.PHONY: check-imports
check-imports: ## Fail when a package under internal/ (its tests included) imports controllers/ or cmd/: dependencies point inwards.
	@bad=$$(go list -f '{{.ImportPath}}: {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./internal/... | \
	  grep -E ' github.com/scidata-io/scidata-operator/(controllers|cmd)(/[^ ]*)?( |$$)' || true); \
	  if [ -n "$$bad" ]; then echo "internal/ must not import controllers/ or cmd/:"; echo "$$bad"; exit 1; fi

# The managed store's URL (https://objectstore.<namespace>.svc:9000) and
# bucket (scidata) are named by internal/store alone: every consumer takes
# them from the store's description, so Managed and External stores are the
# same to it. Tests are not checked: they state the expected values on
# their own, as a second source of truth.
STORE_NAMES = "https://[^"]*\.svc|"https://%s\.%s\.svc|https[^"]*"[^\n]*ObjectStorePort|ObjectStorePort[^\n]*"https|[Bb]ucket[^"\n]*"scidata"|"scidata"[^"\n]*[Bb]ucket|\bplatform\.Bucket\b|\bmanagedBucket\b

.PHONY: check-store
check-store: ## Fail when Go code outside internal/store names the managed store's URL or bucket.
	@bad=$$(git grep --untracked -nE '$(STORE_NAMES)' -- '*.go' ':!internal/store/' ':!*_test.go' || true); \
	  if [ -n "$$bad" ]; then echo "only internal/store names the managed store's URL and bucket (take them from store.For):"; echo "$$bad"; exit 1; fi

.PHONY: verify
verify: manifests generate check-imports check-store ## Fail when generated code, manifests or formatting are stale, an import points back up, a store's name is spelled outside internal/store, or a linter finds something.
	@unformatted=$$(gofmt -s -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt -s would change: $$unformatted (run make fmt)"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config charts docs/install.md)" ]; then \
	  git status --porcelain -- api config charts docs/install.md; git diff --stat -- api config charts docs/install.md; \
	  echo "generated files are stale: run 'make manifests generate' and commit the result"; exit 1; fi
	go vet ./...
	@for m in hack/tools/*/; do (cd $$m && go mod verify >/dev/null) || exit 1; done
	$(MAKE) lint
	@echo "verify: generated code, manifests and formatting are current; the linters are clean"

.PHONY: test
test: test-envtest test-scale test-e2e ## Run every test: unit and envtest, the small scale run on simulated nodes, then end-to-end on a real node.

.PHONY: test-envtest
test-envtest: k8s-envtest $(VERSITYGW) $(WEED) $(HELM) ## Unit tests, every controller and admission rule against a real kube-apiserver (envtest), the sync worker against two real S3 servers (versitygw and SeaweedFS), the Helm chart.
	KUBEBUILDER_ASSETS=$(K8S_ASSETS) VERSITYGW=$(VERSITYGW) WEED=$(WEED) HELM=$(HELM) go test $(GO_TEST_FLAGS) $(PKGS)

# The small scale run needs the machine's one local cluster, like the e2e:
# it runs on its own, after the envtest packages, queueing while another
# checkout's cluster is up.
.PHONY: test-scale
test-scale: k8s-all ## A small city on simulated nodes (the machine's local cluster): 10 platforms and 1,000 entries converge under the manager's own RBAC, and nothing is written in a steady window of a full resync or after a restart.
	SCIDATA_SCALE=1 go test ./hack/bench -run TestScale -v -count=1 -timeout 30m

.PHONY: test-e2e
test-e2e: k8s-all ## End-to-end on a real node (root): the node itself, then the operator installed on it.
	SCIDATA_E2E=1 go test ./hack/localcluster -run TestE2E -v -count=1
	$(MAKE) test-e2e-operator
	$(MAKE) test-e2e-helm

.PHONY: test-e2e-operator
test-e2e-operator: image k8s-all ## The operator on a real node (root): installed with kubectl -k config/default, platforms made, data kept.
	SCIDATA_E2E=1 SCIDATA_E2E_IMAGES="$(IMAGE_TAR) $(STORE_IMAGE_TAR)" go test ./test/e2e -run TestE2EOperator -v -count=1 -timeout 30m

.PHONY: test-e2e-helm
test-e2e-helm: image k8s-all $(HELM) ## The Helm chart on a real node (root): install, the Center on an External store (SeaweedFS) receiving a Submission with a receipt verified offline, upgrade to two replicas, uninstall keeping the platforms and the data.
	SCIDATA_E2E=1 SCIDATA_E2E_HELM=1 SCIDATA_E2E_IMAGES="$(IMAGE_TAR) $(STORE_IMAGE_TAR)" HELM=$(HELM) go test ./test/e2e -run TestE2EHelm -v -count=1 -timeout 20m

.PHONY: build
build: ## Build the operator binary (its commands: manager, portal, receipt, sync, store-init, store-bootstrap, objects; see cmd/doc.go) into bin/.
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/scidata-operator .

.PHONY: plugin
plugin: ## Build the kubectl plugin: the same binary as bin/kubectl-scidata (copy it onto the PATH, then `kubectl scidata status`; docs/operations.md).
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/kubectl-scidata .

.PHONY: image
image: $(VERSITYGW) ## Build the operator's and the object store's images (static binary, one layer, non-root) into bin/images/, with no container engine.
	go run ./hack/image --out $(IMAGE_TAR) --ref $(IMAGE)
	go run ./hack/image --binary $(VERSITYGW) --path /usr/local/bin/versitygw --out $(STORE_IMAGE_TAR) --ref $(STORE_IMAGE)

.PHONY: run
run: manifests ## Run the manager against the cluster in $$KUBECONFIG.
	go run . manager

##@ Benchmarks (figures in docs/benchmarks.md and docs/scale.md)

.PHONY: bench-scale
bench-scale: k8s-all ## The operator at a city's scale on simulated nodes: 100 platforms and 10,000 entries against the apiserver's own floor, writes from the audit log, memory, latency, etcd bytes (BENCH_FLAGS for hack/bench's flags).
	go run ./hack/bench scale $(BENCH_FLAGS)

.PHONY: bench-city
bench-city: image k8s-all ## The plan's city on the real node (root): the Center and the 21 responsible departments Ready because their pods run, timed, with the memory in use.
	go run ./hack/bench city $(BENCH_FLAGS)

##@ Local cluster

# MODE=real|simulated (default: real on Linux as root, else simulated),
# NODES=<n> KWOK nodes in simulated mode, LOAD_IMAGES="a.tar b.tar" image
# tarballs to import into the node's containerd. See docs/local-cluster.md.
LOCALCLUSTER = go run ./hack/localcluster

.PHONY: cluster-up
cluster-up: ## Bring up the local cluster (host processes) and write .local/kubeconfig.
	$(LOCALCLUSTER) up $(if $(MODE),--mode $(MODE)) $(if $(NODES),--nodes $(NODES)) $(foreach i,$(LOAD_IMAGES),--load-image $(i))

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and undo every change it made to the host.
	$(LOCALCLUSTER) down

.PHONY: cluster-status
cluster-status: ## Say what of the local cluster runs and what does not.
	$(LOCALCLUSTER) status

.PHONY: cluster-e2e
cluster-e2e: ## Prove on a real node that down leaves the host as up found it (root; no cluster may be up).
	SCIDATA_E2E=1 go test ./hack/localcluster -run TestE2E -v -count=1

.PHONY: demo
demo: image k8s-all ## Run the sample city on a real local node (again on one already up: every step is idempotent): platforms Ready, data submitted, receipts signed, the Center's portal on a local URL. Ctrl-C stops it.
	go run ./hack/demo $(if $(DEMO_EXIT),--exit) $(if $(DEMO_PORT),--port $(DEMO_PORT))

.PHONY: demo-down
demo-down: ## Stop the demo's node and undo its host changes.
	$(LOCALCLUSTER) down

##@ Tools (built from Go modules pinned under hack/tools/)

.PHONY: k8s-envtest
k8s-envtest: ## Build etcd, kube-apiserver and kubectl for envtest into bin/k8s/<version>/.
	hack/build-k8s.sh envtest

.PHONY: k8s-all
k8s-all: ## Build every control-plane and node binary, and kwok.
	hack/build-k8s.sh all

.PHONY: versitygw
versitygw: $(VERSITYGW) ## Build the S3 server (versitygw) for Managed stores and the sync tests into bin/.

# Rebuilt only when its pin (go.mod/go.sum) changes. Static, like every tool.
$(VERSITYGW): hack/tools/versitygw/go.mod hack/tools/versitygw/go.sum
	cd hack/tools/versitygw && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $@ github.com/versity/versitygw/cmd/versitygw

# SeaweedFS, the second S3 engine: the sync worker's tests run on it beside
# versitygw, and it plays the city's existing store for External platforms.
# A plain dependency build of its one binary (cold: 11 minutes of CPU, 21
# measured on two cores shared with other builds; 164 MB); rebuilt only when
# its pin changes.
.PHONY: seaweedfs
seaweedfs: $(WEED) ## Build the second S3 server (SeaweedFS, pinned in hack/tools/seaweedfs) into bin/weed.

$(WEED): hack/tools/seaweedfs/go.mod hack/tools/seaweedfs/go.sum
	cd hack/tools/seaweedfs && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $@ github.com/seaweedfs/seaweedfs/weed

# Helm, for the chart's tests and installs. Helm's own Makefile stamps its
# version and the Kubernetes minor its client-go speaks (which `helm
# template` reports as .Capabilities.KubeVersion); both are read from the pin.
.PHONY: helm
helm: $(HELM) ## Build Helm (helm.sh/helm/v3, pinned in hack/tools/helm) into bin/helm.

$(HELM): hack/tools/helm/go.mod hack/tools/helm/go.sum
	cd hack/tools/helm && v=$$(go list -m -f '{{.Version}}' helm.sh/helm/v3) && \
	  kminor=$$(go list -m -f '{{.Version}}' k8s.io/client-go | cut -d. -f2) && \
	  CGO_ENABLED=0 go build -trimpath -o $@ -ldflags "-s -w \
	    -X helm.sh/helm/v3/internal/version.version=$$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
	    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$$kminor \
	    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$$kminor" \
	    helm.sh/helm/v3/cmd/helm

# The linters `make lint` runs. golangci-lint's own release build stamps its
# version and date (`golangci-lint version`); both are read from the pin.
.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint (pinned in hack/tools/golangci-lint) into bin/.

$(GOLANGCI_LINT): hack/tools/golangci-lint/go.mod hack/tools/golangci-lint/go.sum
	cd hack/tools/golangci-lint && m=github.com/golangci/golangci-lint/v2 && \
	  v=$$(go list -m -f '{{.Version}}' $$m) && d=$$(go list -m -f '{{.Time.Format "2006-01-02T15:04:05Z"}}' $$m) && \
	  CGO_ENABLED=0 go build -trimpath -o $@ -ldflags "-s -w -X main.version=$${v#v} -X main.date=$$d" $$m/cmd/golangci-lint

# kube-api-linter's standalone command: golangci-lint with kube-api-linter
# compiled in as a module plugin (what `golangci-lint custom` would build,
# without its git clone). It reports its own version from the pin.
.PHONY: kube-api-linter
kube-api-linter: $(KUBE_API_LINTER) ## Build kube-api-linter (pinned in hack/tools/kube-api-linter) into bin/.

$(KUBE_API_LINTER): hack/tools/kube-api-linter/go.mod hack/tools/kube-api-linter/go.sum
	cd hack/tools/kube-api-linter && m=sigs.k8s.io/kube-api-linter && \
	  v=$$(go list -m -f '{{.Version}}' $$m) && d=$$(go list -m -f '{{.Time.Format "2006-01-02T15:04:05Z"}}' $$m) && \
	  CGO_ENABLED=0 go build -trimpath -o $@ -ldflags "-s -w -X main.version=$$v -X main.date=$$d" $$m/cmd/golangci-lint-kube-api-linter

$(CONTROLLER_GEN): hack/tools/devtools/go.mod hack/tools/devtools/go.sum
	cd hack/tools/devtools && CGO_ENABLED=0 go build -trimpath -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen
