package storeboot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// Admin speaks versitygw's admin API (the server's --admin-port): the
// accounts of its internal IAM are created, listed and deleted there while
// the server runs, so an access grant never restarts the store, and a
// deleted account is refused from the next request on (the server drops it
// from its IAM cache with the file). Requests are signed with the root
// account (AWS Signature V4), as versitygw's own admin CLI signs them.
type Admin struct {
	// HTTP reaches the admin API; Base is its URL (http://admin for a
	// UNIX socket, see NewSocketAdmin).
	HTTP *http.Client
	Base string
	// Access and Secret are the store's root keys.
	Access, Secret string
	// Region signs the requests; versitygw's default is us-east-1.
	Region string
}

// NewSocketAdmin is an admin API client over the UNIX socket the server's
// --admin-port names: inside the store's pod only, reachable from no
// network.
func NewSocketAdmin(socket, access, secret string) *Admin {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, "unix", socket)
	}}
	return &Admin{HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}, Base: "http://admin", Access: access, Secret: secret}
}

// adminAccount is versitygw's auth.Account as its admin API reads and
// writes it (XML, element names as the Go fields).
type adminAccount struct {
	XMLName   xml.Name `xml:"Account"`
	Access    string   `xml:"Access"`
	Secret    string   `xml:"Secret,omitempty"`
	Role      string   `xml:"Role"`
	UserID    int      `xml:"UserID"`
	GroupID   int      `xml:"GroupID"`
	ProjectID int      `xml:"ProjectID"`
}

type adminUserList struct {
	Accounts []struct {
		Access string `xml:"Access"`
	} `xml:"Accounts"`
}

// AdminError is an error the admin API answered.
type AdminError struct {
	Status  int
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (e *AdminError) Error() string {
	return fmt.Sprintf("admin API: %d %s: %s", e.Status, e.Code, e.Message)
}

// CreateUser makes an account of role user (which can do nothing but what
// a bucket policy allows it). An account that exists with the same key is
// not an error.
func (a *Admin) CreateUser(ctx context.Context, access, secret string) error {
	body, err := xml.Marshal(adminAccount{Access: access, Secret: secret, Role: "user"})
	if err != nil {
		return err
	}
	_, err = a.do(ctx, "/create-user", nil, body)
	if ae := (*AdminError)(nil); errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.Code+ae.Message), "exist") {
		return nil
	}
	return err
}

// DeleteUser deletes an account; a missing one is not an error.
func (a *Admin) DeleteUser(ctx context.Context, access string) error {
	_, err := a.do(ctx, "/delete-user", url.Values{"access": {access}}, nil)
	if ae := (*AdminError)(nil); errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// ListUsers lists the access keys of every account but root.
func (a *Admin) ListUsers(ctx context.Context) ([]string, error) {
	body, err := a.do(ctx, "/list-users", nil, nil)
	if err != nil {
		return nil, err
	}
	var l adminUserList
	if err := xml.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("admin API list-users: %w", err)
	}
	keys := make([]string, 0, len(l.Accounts))
	for _, acc := range l.Accounts {
		keys = append(keys, acc.Access)
	}
	return keys, nil
}

// do sends one signed PATCH, the admin API's only method.
func (a *Admin) do(ctx context.Context, path string, query url.Values, body []byte) ([]byte, error) {
	u := a.Base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	region := a.Region
	if region == "" {
		region = "us-east-1"
	}
	req = signer.SignV4(*req, a.Access, a.Secret, "", region)
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API %s: %w", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("admin API %s: %w", path, err)
	}
	if resp.StatusCode >= 300 {
		ae := &AdminError{Status: resp.StatusCode}
		if xml.Unmarshal(out, ae) != nil || ae.Code == "" {
			ae.Code, ae.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(out))
		}
		return nil, ae
	}
	return out, nil
}
