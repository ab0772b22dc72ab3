package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// CheckKey is the object a check tries to write under the grant's prefix:
// the write must be refused, so it never exists.
const CheckKey = ".scidata-grant-check"

// Check is what the grant's check Job proves from the namespace of use,
// with the grant's own credential, through the network path the grant
// opened: the credential lists and reads the prefix, is refused a write
// there, and is refused a listing of the whole bucket.
type Check struct {
	// Client speaks to the store with the grant's credential.
	Client *minio.Client
	Bucket string
	// Prefix ends in "/".
	Prefix string
	// Wait bounds how long the grant may take to reach the store (the
	// kubelet updates the store's mounted grants Secret within its sync
	// period, and an External store's team may be slower); Interval is the
	// pause between tries.
	Wait, Interval time.Duration
	Log            *slog.Logger
}

// CheckResult is what the check found, written to the pod's termination
// message for the operator to read.
type CheckResult struct {
	// Listed is how many objects the prefix lists (at most 1000 counted).
	Listed int `json:"listed"`
	// Read is the object read, if the prefix holds any.
	Read string `json:"read,omitempty"`
	// WriteRefused and OutsideRefused are the refusals the grant must meet.
	WriteRefused   bool `json:"writeRefused"`
	OutsideRefused bool `json:"outsideRefused"`
	// Tries is how many tries it took; Error says why the check failed.
	Tries int    `json:"tries"`
	Error string `json:"error,omitempty"`
}

// Summary is the result as one line of JSON.
func (r CheckResult) Summary() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// ParseCheckResult reads a check's termination message.
func ParseCheckResult(msg string) (CheckResult, error) {
	var r CheckResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(msg)), &r); err != nil {
		return r, fmt.Errorf("the check's result is not JSON: %w", err)
	}
	return r, nil
}

// ErrWritable is a grant that could write: it is never a grant to keep.
var ErrWritable = errors.New("the grant's credential could write under the prefix: it is not read-only")

// Run tries until the credential reads the prefix, then proves the two
// refusals. A credential that writes fails at once (ErrWritable); one that
// cannot read yet is tried again until Wait has passed.
func (c Check) Run(ctx context.Context) (CheckResult, error) {
	var res CheckResult
	deadline := time.Now().Add(c.Wait)
	for {
		res.Tries++
		err := c.read(ctx, &res)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			res.Error = err.Error()
			return res, fmt.Errorf("after %d tries in %s: %w", res.Tries, c.Wait, err)
		}
		c.Log.Info("the grant does not read its prefix yet", "error", err.Error(), "try", res.Tries)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(c.Interval):
		}
	}
	if err := c.refusals(ctx, &res); err != nil {
		res.Error = err.Error()
		return res, err
	}
	return res, nil
}

func (c Check) read(ctx context.Context, res *CheckResult) error {
	res.Listed, res.Read = 0, ""
	opts := minio.ListObjectsOptions{Prefix: c.Prefix, Recursive: true, MaxKeys: 1000}
	for o := range c.Client.ListObjects(ctx, c.Bucket, opts) {
		if o.Err != nil {
			return fmt.Errorf("list %s: %w", c.Prefix, o.Err)
		}
		if res.Read == "" {
			res.Read = o.Key
		}
		if res.Listed++; res.Listed >= 1000 {
			break
		}
	}
	if res.Read == "" {
		return nil
	}
	obj, err := c.Client.GetObject(ctx, c.Bucket, res.Read, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("read %s: %w", res.Read, err)
	}
	defer obj.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(obj, 1<<20)); err != nil {
		return fmt.Errorf("read %s: %w", res.Read, err)
	}
	return nil
}

func (c Check) refusals(ctx context.Context, res *CheckResult) error {
	_, err := c.Client.PutObject(ctx, c.Bucket, c.Prefix+CheckKey, strings.NewReader(""), 0, minio.PutObjectOptions{})
	if err == nil {
		return ErrWritable
	}
	if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
		return fmt.Errorf("a write under the prefix failed, but not as refused (AccessDenied): %w", err)
	}
	res.WriteRefused = true
	// The first answer decides; cancelling stops the listing behind it.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	o, ok := <-c.Client.ListObjects(lctx, c.Bucket, minio.ListObjectsOptions{Recursive: true, MaxKeys: 1})
	switch {
	case !ok:
		return errors.New("a listing of the whole bucket returned nothing, neither objects nor a refusal")
	case o.Err == nil:
		return errors.New("the grant's credential lists the whole bucket: a listing without a prefix must be refused")
	case minio.ToErrorResponse(o.Err).Code != "AccessDenied":
		return fmt.Errorf("a listing of the whole bucket failed, but not as refused (AccessDenied): %w", o.Err)
	}
	res.OutsideRefused = true
	return nil
}
