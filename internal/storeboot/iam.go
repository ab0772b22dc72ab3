package storeboot

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// IAMFile is the file versitygw's internal IAM (--iam-dir) reads.
const IAMFile = "users.json"

// Account is one S3 account of the store.
type Account struct {
	// Name says what the account is for (upload, center-read); it is not
	// seen by the server.
	Name   string
	Access string
	Secret string
}

// ReadAccount reads an account's keys from a directory where a credentials
// Secret is mounted (files accessKeyID and secretAccessKey).
func ReadAccount(name, dir, accessFile, secretFile string) (Account, error) {
	read := func(f string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("account %s: %w", name, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("account %s: %s is empty", name, filepath.Join(dir, f))
		}
		return v, nil
	}
	a := Account{Name: name}
	var err error
	if a.Access, err = read(accessFile); err != nil {
		return Account{}, err
	}
	if a.Secret, err = read(secretFile); err != nil {
		return Account{}, err
	}
	return a, nil
}

// iamAccount is one entry of versitygw's users.json.
type iamAccount struct {
	Access string `json:"access"`
	Secret string `json:"secret"`
	Role   string `json:"role"`
}

type iamFile struct {
	AccessAccounts map[string]iamAccount `json:"accessAccounts"`
}

// IAM renders users.json for the accounts, each with the role "user": an
// account that can use a bucket only as far as the bucket's policy allows.
// The root account is not listed; the server takes it from its
// environment. The output is deterministic.
func IAM(accounts []Account, rootAccess string) ([]byte, error) {
	f := iamFile{AccessAccounts: map[string]iamAccount{}}
	for _, a := range accounts {
		if a.Access == rootAccess {
			return nil, fmt.Errorf("account %s has the root account's access key", a.Name)
		}
		if _, dup := f.AccessAccounts[a.Access]; dup {
			return nil, fmt.Errorf("account %s: access key already used by another account", a.Name)
		}
		f.AccessAccounts[a.Access] = iamAccount{Access: a.Access, Secret: a.Secret, Role: "user"}
	}
	// encoding/json sorts map keys: the same accounts give the same bytes.
	return json.MarshalIndent(f, "", "  ")
}

// WriteIAM writes users.json into dir atomically (a temporary file renamed
// over the old one), readable by its owner only, and reports whether it
// changed. The accounts the operator declares are the whole truth: an
// account added by hand is dropped, which is how a rotated key stops
// working.
func WriteIAM(dir string, accounts []Account, rootAccess string) (bool, error) {
	data, err := IAM(accounts, rootAccess)
	if err != nil {
		return false, err
	}
	path := filepath.Join(dir, IAMFile)
	old, err := os.ReadFile(path)
	if err == nil && string(old) == string(data) {
		return false, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+IAMFile+".tmp-")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	return true, nil
}
