package store

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/platform"
)

// Keys are one account's access key and secret key.
type Keys struct{ Access, Secret string }

// Credentials are what Resolve read for a store: the keys of the accounts
// asked for, and the CA bundle.
type Credentials struct {
	Keys map[Account]Keys
	// CAPEM is the store's CA bundle as read; Roots the pool made of it,
	// nil for the system roots.
	CAPEM []byte
	Roots *x509.CertPool
	// Versions identifies the versions of the Secrets read (their UIDs and
	// resourceVersions, hashed; never their data): a Secret replaced or
	// changed gives another value.
	Versions string
}

// MissingError says that a Secret a store needs, or a key of it, is not
// there: Account names what it is for ("" for the CA bundle).
type MissingError struct {
	Ref     Ref
	Key     string
	Account Account
}

func (e *MissingError) Error() string {
	what := "the CA bundle"
	if e.Account != "" {
		what = "the " + string(e.Account) + " account"
	}
	if e.Key == "" {
		return fmt.Sprintf("Secret %s (%s) does not exist", e.Ref, what)
	}
	return fmt.Sprintf("Secret %s (%s) has no key %s", e.Ref, what, e.Key)
}

// Resolve reads the keys of the accounts named and the CA bundle of st.
// A Secret or key that is missing is a *MissingError; a CA bundle with no
// certificate is one too (naming its key), since nothing could verify.
func Resolve(ctx context.Context, c client.Reader, st Store, accounts ...Account) (Credentials, error) {
	cr := Credentials{Keys: map[Account]Keys{}}
	var versions []string
	read := func(r Ref) (*corev1.Secret, error) {
		var sec corev1.Secret
		if err := c.Get(ctx, r.NamespacedName(), &sec); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			return nil, fmt.Errorf("read Secret %s: %w", r, err)
		}
		versions = append(versions, fmt.Sprintf("%s %s %s", r, sec.UID, sec.ResourceVersion))
		return &sec, nil
	}
	for _, a := range accounts {
		r, ok := st.Accounts[a]
		if !ok || r.Name == "" {
			return cr, fmt.Errorf("the store of %s has no %s account", st.Platform, a)
		}
		sec, err := read(r)
		if err != nil {
			return cr, err
		}
		if sec == nil {
			return cr, &MissingError{Ref: r, Account: a}
		}
		k := Keys{Access: strings.TrimSpace(string(sec.Data[platform.AccessKeyField])), Secret: strings.TrimSpace(string(sec.Data[platform.SecretKeyField]))}
		if k.Access == "" {
			return cr, &MissingError{Ref: r, Account: a, Key: platform.AccessKeyField}
		}
		if k.Secret == "" {
			return cr, &MissingError{Ref: r, Account: a, Key: platform.SecretKeyField}
		}
		cr.Keys[a] = k
	}
	if st.HasCA() {
		sec, err := read(st.CA)
		if err != nil {
			return cr, err
		}
		if sec == nil {
			return cr, &MissingError{Ref: st.CA}
		}
		cr.CAPEM = sec.Data[st.CA.Key]
		cr.Roots = x509.NewCertPool()
		if !cr.Roots.AppendCertsFromPEM(cr.CAPEM) {
			return cr, &MissingError{Ref: st.CA, Key: st.CA.Key + " (a PEM certificate)"}
		}
	}
	sort.Strings(versions)
	sum := sha256.Sum256([]byte(strings.Join(versions, "\n")))
	cr.Versions = hex.EncodeToString(sum[:16])
	return cr, nil
}
