# The operator's image for those who build with Docker (or Podman, Buildah).
#
# The project itself builds the same image without a container engine:
# `make image` (hack/image) puts the static binary as the one layer of an
# empty image that runs as 65532:65532. This Dockerfile is kept equivalent
# but is NOT tested here: the machines that build and test the project
# have no container engine and pull nothing from a registry.
#
#   docker build -t scidata-operator:dev .
#   docker build --target objectstore -t scidata-objectstore:dev .
#
# The second is the managed object store's image: versitygw at the version
# pinned in hack/tools/versitygw, as `make image` packages bin/versitygw.

FROM golang:1.26 AS objectstore-build
WORKDIR /src/hack/tools/versitygw
COPY hack/tools/versitygw/ ./
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags="-s -w" -o /versitygw github.com/versity/versitygw/cmd/versitygw

FROM scratch AS objectstore
COPY --from=objectstore-build /versitygw /usr/local/bin/versitygw
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/versitygw"]

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
COPY main.go ./
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags="-s -w" -o /scidata-operator .

FROM scratch
COPY --from=build /scidata-operator /scidata-operator
USER 65532:65532
ENTRYPOINT ["/scidata-operator"]
