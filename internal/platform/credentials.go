package platform

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Keys of a credentials Secret.
const (
	AccessKeyField = "accessKeyID"
	SecretKeyField = "secretAccessKey"
)

// NewCredentials draws an S3 access key (20 characters) and secret key (40
// characters) from r, which is crypto/rand in production.
func NewCredentials(r io.Reader) (access, secret string, err error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	a := make([]byte, 15)
	s := make([]byte, 30)
	if _, err := io.ReadFull(r, a); err != nil {
		return "", "", fmt.Errorf("draw access key: %w", err)
	}
	if _, err := io.ReadFull(r, s); err != nil {
		return "", "", fmt.Errorf("draw secret key: %w", err)
	}
	return enc.EncodeToString(a), strings.ToLower(enc.EncodeToString(s)), nil
}

// DefaultRand is the source of credentials.
var DefaultRand io.Reader = rand.Reader

// CredentialsSecret is a Secret holding one S3 account's keys. It is
// created once and never rewritten, and carries no owner reference: like
// the data it opens, it outlives the platform object.
func CredentialsSecret(p *scidatav1.DataPlatform, namespace, name, component, access, secret string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: namespace,
			Labels:    Labels(p, component),
		},
		Type:      corev1.SecretTypeOpaque,
		Immutable: ptrTrue(),
		StringData: map[string]string{
			AccessKeyField: access,
			SecretKeyField: secret,
		},
	}
}

func ptrTrue() *bool { t := true; return &t }
