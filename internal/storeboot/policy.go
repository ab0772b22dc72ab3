package storeboot

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/minio/minio-go/v7"
)

// Access is what an account may do in the bucket.
type Access int

const (
	// Read lists and reads objects: the Center's account on a department
	// store.
	Read Access = iota + 1
	// Write also writes objects, and never deletes one: the Center's writer
	// on the Center's store, where submitted data and receipts are kept.
	Write
	// Manage also deletes objects: a department's owners on their own store.
	Manage
)

func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	case Manage:
		return "manage"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// Actions on the bucket and on its objects, per level. Each level holds the
// one below it.
func (a Access) actions() (bucket, objects []string) {
	bucket = []string{"s3:ListBucket"}
	objects = []string{"s3:GetObject"}
	if a >= Write {
		bucket = append(bucket, "s3:ListBucketMultipartUploads")
		objects = append(objects, "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
	}
	if a >= Manage {
		objects = append(objects, "s3:DeleteObject")
	}
	return bucket, objects
}

// Grant gives one account (by access key) a level of access.
type Grant struct {
	Account Account
	Access  Access
}

type statement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Principal map[string][]string            `json:"Principal"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// Policy is the bucket policy that gives each grant its access and nothing
// else: two Allow statements per account, one on the bucket and one on its
// objects. Accounts not named get nothing (only root, which the policy
// does not limit, may do more). The output is deterministic.
func Policy(bucket string, grants []Grant) ([]byte, error) {
	return PolicyWithAccess(bucket, grants, nil)
}

// PolicyWithAccess is Policy with the access grants of the grants file
// added: for each, s3:GetObject on <bucket>/<prefix>* and s3:ListBucket on
// the bucket only for a listing whose prefix is under it (StringLike
// s3:prefix <prefix>*: a listing without a prefix, or outside it, matches
// no statement and is refused), both under DateLessThan aws:CurrentTime
// <expiry>, so that the store itself refuses the account from the instant
// the grant expires. The caller leaves out grants already expired (Live).
func PolicyWithAccess(bucket string, grants []Grant, access []FileGrant) ([]byte, error) {
	if bucket == "" {
		return nil, fmt.Errorf("no bucket")
	}
	sorted := append([]Grant(nil), grants...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Account.Name < sorted[j].Account.Name })
	p := policy{Version: "2012-10-17"}
	seen := map[string]string{}
	for _, g := range sorted {
		if g.Account.Access == "" || g.Account.Name == "" {
			return nil, fmt.Errorf("grant %q: account without name or access key", g.Account.Name)
		}
		if other, dup := seen[g.Account.Access]; dup {
			return nil, fmt.Errorf("accounts %s and %s share an access key", other, g.Account.Name)
		}
		seen[g.Account.Access] = g.Account.Name
		if g.Access < Read || g.Access > Manage {
			return nil, fmt.Errorf("account %s: unknown access %v", g.Account.Name, g.Access)
		}
		onBucket, onObjects := g.Access.actions()
		principal := map[string][]string{"AWS": {g.Account.Access}}
		p.Statement = append(p.Statement,
			statement{Sid: sid(g.Account.Name, "bucket"), Effect: "Allow", Principal: principal, Action: onBucket, Resource: []string{"arn:aws:s3:::" + bucket}},
			statement{Sid: sid(g.Account.Name, "objects"), Effect: "Allow", Principal: principal, Action: onObjects, Resource: []string{"arn:aws:s3:::" + bucket + "/*"}})
	}
	byID := append([]FileGrant(nil), access...)
	sort.Slice(byID, func(i, j int) bool { return byID[i].ID < byID[j].ID })
	for _, g := range byID {
		if err := g.Validate(); err != nil {
			return nil, err
		}
		if other, dup := seen[g.Access]; dup {
			return nil, fmt.Errorf("access grant %s shares an access key with account %s", g.ID, other)
		}
		seen[g.Access] = "grant " + g.ID
		principal := map[string][]string{"AWS": {g.Access}}
		until := map[string][]string{"aws:CurrentTime": {g.Expires.UTC().Format(time.RFC3339)}}
		p.Statement = append(p.Statement,
			statement{Sid: sid("grant"+g.ID, "list"), Effect: "Allow", Principal: principal, Action: []string{"s3:ListBucket"},
				Resource:  []string{"arn:aws:s3:::" + bucket},
				Condition: map[string]map[string][]string{"StringLike": {"s3:prefix": {g.Prefix + "*"}}, "DateLessThan": until}},
			statement{Sid: sid("grant"+g.ID, "read"), Effect: "Allow", Principal: principal, Action: []string{"s3:GetObject"},
				Resource:  []string{"arn:aws:s3:::" + bucket + "/" + g.Prefix + "*"},
				Condition: map[string]map[string][]string{"DateLessThan": until}})
	}
	if len(p.Statement) == 0 {
		return nil, fmt.Errorf("no account to grant access to bucket %s", bucket)
	}
	return json.Marshal(p)
}

// sid makes a statement id of letters and digits only (AWS's rule).
func sid(name, what string) string {
	out := []byte{}
	for _, c := range []byte(name + "-" + what) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			out = append(out, c)
		}
	}
	return string(out)
}

// Outcome says what Ensure changed.
type Outcome struct {
	BucketCreated bool
	PolicySet     bool
}

// Ensure makes the bucket if it is missing and sets its policy if it
// differs from want (compared as JSON values, so the server's formatting
// does not matter). cl must be the store's root account. It never deletes.
func Ensure(ctx context.Context, cl *minio.Client, bucket string, want []byte) (Outcome, error) {
	var out Outcome
	exists, err := cl.BucketExists(ctx, bucket)
	if err != nil {
		return out, fmt.Errorf("look for bucket %s: %w", bucket, err)
	}
	if !exists {
		if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" {
				return out, fmt.Errorf("make bucket %s: %w", bucket, err)
			}
		} else {
			out.BucketCreated = true
		}
	}
	have, err := cl.GetBucketPolicy(ctx, bucket)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchBucketPolicy" {
		return out, fmt.Errorf("read the policy of bucket %s: %w", bucket, err)
	}
	same, err := sameJSON([]byte(have), want)
	if err != nil {
		return out, err
	}
	if same {
		return out, nil
	}
	if err := cl.SetBucketPolicy(ctx, bucket, string(want)); err != nil {
		return out, fmt.Errorf("set the policy of bucket %s: %w", bucket, err)
	}
	out.PolicySet = true
	return out, nil
}

func sameJSON(have, want []byte) (bool, error) {
	if len(have) == 0 {
		return false, nil
	}
	var h, w any
	if err := json.Unmarshal(want, &w); err != nil {
		return false, fmt.Errorf("the wanted policy is not JSON: %w", err)
	}
	// An unreadable policy is not the wanted one: it is replaced.
	return json.Unmarshal(have, &h) == nil && reflect.DeepEqual(h, w), nil
}
