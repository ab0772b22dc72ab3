package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/s3client"
)

// ProbeResult is what a probe proved: nothing wrong (Reason empty), or a
// StorageReady reason of the API with a message a person can act on.
type ProbeResult struct {
	Reason  string
	Message string
}

// OK reports whether the store passed.
func (r ProbeResult) OK() bool { return r.Reason == "" }

// Stalls reports whether only a person can mend what the probe found:
// everything but an endpoint that does not answer (a store restarting
// answers again by itself).
func (r ProbeResult) Stalls() bool {
	return !r.OK() && r.Reason != scidatav1.ReasonEndpointUnreachable
}

// DefaultProbeTimeout bounds one probe: a store that has not answered by
// then is unreachable.
const DefaultProbeTimeout = 10 * time.Second

// Prober probes an External store with real S3 requests: TLS verified
// against the store's CA, every call one request (no retries), so that a
// refused certificate or a stopped server is reported at once.
type Prober struct {
	Dial Dialer
	// Transport, if set, wraps the transport (tests count requests).
	Transport func(http.RoundTripper) http.RoundTripper
	// Timeout bounds one probe; zero is DefaultProbeTimeout.
	Timeout time.Duration
}

// probeBody is what the probe writes at ProbeKey.
func probeBody(st Store) []byte {
	return []byte("written by scidata-operator to prove the accounts of platform " + st.Platform + "; removed at once\n")
}

// Probe checks st with the keys and CA of cr. The bucket check always
// runs: the writer lists the bucket, which proves TLS, the endpoint, the
// writer's keys and the bucket (the writer's own view: on SeaweedFS a
// bucket outside an account's grant answers AccessDenied whether it exists
// or not, so only an account granted the bucket can tell that it is
// missing). With full, it also proves each account's rights: the writer
// puts, lists and removes ProbeKey; the reader reads it and may not write
// (a write that goes through is removed with the writer and reported
// ReadAccountCanWrite). Nothing is written outside ProbeKey.
func (p Prober) Probe(ctx context.Context, st Store, cr Credentials, full bool) ProbeResult {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	o := ClientOptions{Dial: p.Dial, Transport: p.Transport, NoRetries: true}
	writer := st.Writer()
	w, err := st.Client(writer, cr, o)
	if err != nil {
		return ProbeResult{scidatav1.ReasonEndpointUnreachable, fmt.Sprintf("the endpoint %s: %v", st.Endpoint, err)}
	}
	if err := listProbe(ctx, w, st.Bucket); err != nil {
		return p.failed(st, writer, "list bucket "+st.Bucket, err)
	}
	if !full {
		return ProbeResult{}
	}
	key, body := st.ProbeKey(), probeBody(st)
	if _, err := w.PutObject(ctx, st.Bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		return p.failed(st, writer, "write "+key, err)
	}
	res := p.accounts(ctx, st, cr, o, w, key, body)
	// The probe's object goes whatever happened since it was written.
	if err := w.RemoveObject(ctx, st.Bucket, key, minio.RemoveObjectOptions{}); err != nil && res.OK() {
		return p.failed(st, writer, "remove "+key+" (the writer must be able to delete under "+ProbePrefix+")", err)
	}
	return res
}

// accounts proves, the probe's object written, that the writer lists it and
// that the reader reads it and cannot write.
func (p Prober) accounts(ctx context.Context, st Store, cr Credentials, o ClientOptions, w *minio.Client, key string, body []byte) ProbeResult {
	writer, reader := st.Writer(), st.Reader()
	found := false
	for obj := range w.ListObjects(ctx, st.Bucket, minio.ListObjectsOptions{Prefix: key, Recursive: true}) {
		if obj.Err != nil {
			return p.failed(st, writer, "list "+key, obj.Err)
		}
		found = found || obj.Key == key
	}
	if !found {
		return ProbeResult{scidatav1.ReasonCredentialsRejected, fmt.Sprintf("%s wrote %s into bucket %s but does not list it: grant it list on the bucket", st.Describe(writer), key, st.Bucket)}
	}
	r, err := st.Client(reader, cr, o)
	if err != nil {
		return ProbeResult{scidatav1.ReasonEndpointUnreachable, fmt.Sprintf("the endpoint %s: %v", st.Endpoint, err)}
	}
	got, err := readAll(ctx, r, st.Bucket, key)
	if err != nil {
		return p.failed(st, reader, "read "+key, err)
	}
	if !bytes.Equal(got, body) {
		return ProbeResult{scidatav1.ReasonCredentialsRejected, fmt.Sprintf("%s read other bytes at %s than %s wrote: is it another bucket's account?", st.Describe(reader), key, st.Describe(writer))}
	}
	wrote := []byte("a write the read-only account must not be able to make\n")
	_, err = r.PutObject(ctx, st.Bucket, key, bytes.NewReader(wrote), int64(len(wrote)), minio.PutObjectOptions{})
	switch {
	case err == nil:
		return ProbeResult{scidatav1.ReasonReadAccountCanWrite, fmt.Sprintf("%s wrote into bucket %s: it must only list and read (the operator removed what it wrote); take its write permission away", st.Describe(reader), st.Bucket)}
	case s3client.Classify(err) == s3client.Denied:
		return ProbeResult{}
	default:
		return p.failed(st, reader, "try a write (which must be refused)", err)
	}
}

func listProbe(ctx context.Context, cl *minio.Client, bucket string) error {
	for obj := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: ProbePrefix, MaxKeys: 1}) {
		return obj.Err
	}
	return nil
}

func readAll(ctx context.Context, cl *minio.Client, bucket, key string) ([]byte, error) {
	obj, err := cl.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	return io.ReadAll(io.LimitReader(obj, 1<<16))
}

// failed turns an S3 error of account doing what into the reason a person
// acts on.
func (p Prober) failed(st Store, a Account, what string, err error) ProbeResult {
	var resp minio.ErrorResponse
	detail := err.Error()
	if errors.As(err, &resp) && resp.Code != "" {
		detail = resp.Code + ": " + resp.Message
	}
	switch s3client.Classify(err) {
	case s3client.Untrusted:
		ca := "the system roots (name spec.objectStore.external.caSecret)"
		if st.HasCA() {
			ca = "the CA bundle of Secret " + st.CA.String()
		}
		return ProbeResult{scidatav1.ReasonTLSUntrusted, fmt.Sprintf("the certificate of %s does not verify against %s: %v", st.Endpoint, ca, err)}
	case s3client.Unreachable:
		return ProbeResult{scidatav1.ReasonEndpointUnreachable, fmt.Sprintf("%s does not answer (stopped, unresolvable, or blocked on the way): %v", st.Endpoint, err)}
	case s3client.NoBucket:
		return ProbeResult{scidatav1.ReasonBucketMissing, fmt.Sprintf("bucket %s does not exist at %s: the city's storage team creates it (the operator never creates or deletes an External store's bucket)", st.Bucket, st.Endpoint)}
	case s3client.Denied:
		msg := fmt.Sprintf("%s may not %s at %s: %s", st.Describe(a), what, st.Endpoint, detail)
		if resp.Code == "AccessDenied" && what == "list bucket "+st.Bucket {
			msg += "; grant it the bucket, and check the bucket's name (a store such as SeaweedFS answers AccessDenied for a bucket outside the account's grant, whether it exists or not)"
		}
		return ProbeResult{scidatav1.ReasonCredentialsRejected, msg}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ProbeResult{scidatav1.ReasonEndpointUnreachable, fmt.Sprintf("%s did not answer %s of %s in time: %v", st.Endpoint, what, st.Describe(a), err)}
	}
	return ProbeResult{scidatav1.ReasonEndpointUnreachable, fmt.Sprintf("%s failed to %s for %s: %s", st.Endpoint, what, st.Describe(a), detail)}
}
