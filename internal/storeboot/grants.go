package storeboot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// GrantsFile is the key of the grants Secret that the store's pod mounts:
// the access grants the operator provisioned on this store, as JSON.
const GrantsFile = "grants.json"

// FileGrant is one access grant on this store: an account that reads the
// objects under Prefix until Expires, and nothing else.
type FileGrant struct {
	// ID names the grant (the AccessRequest's grant id): its bucket policy
	// statements carry it.
	ID string `json:"id"`
	// Access and Secret are the account's keys.
	Access string `json:"access"`
	Secret string `json:"secret"`
	// Prefix is what the account reads; it ends in "/".
	Prefix string `json:"prefix"`
	// Expires is the instant the store refuses the account from.
	Expires time.Time `json:"expires"`
}

// Grants is the content of the grants file.
type Grants struct {
	Grants []FileGrant `json:"grants"`
}

var grantID = regexp.MustCompile(`^[a-z0-9]{1,63}$`)

// Validate checks what the store relies on: ids fit a statement id, keys are
// set and unique, prefixes end in "/", expiries are to the second.
func (g FileGrant) Validate() error {
	switch {
	case !grantID.MatchString(g.ID):
		return fmt.Errorf("grant %q: the id must be 1 to 63 lower-case letters and digits", g.ID)
	case g.Access == "" || g.Secret == "":
		return fmt.Errorf("grant %s: no access or secret key", g.ID)
	case g.Prefix == "" || !strings.HasSuffix(g.Prefix, "/") || strings.HasPrefix(g.Prefix, "/"):
		return fmt.Errorf("grant %s: prefix %q must be relative and end in /", g.ID, g.Prefix)
	case g.Expires.IsZero() || !g.Expires.Equal(g.Expires.Truncate(time.Second)):
		return fmt.Errorf("grant %s: the expiry must be set, to the second", g.ID)
	}
	return nil
}

// EncodeGrants renders the grants file, sorted by id, so that the same
// grants always give the same bytes.
func EncodeGrants(grants []FileGrant) ([]byte, error) {
	sorted := append([]FileGrant(nil), grants...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	seen := map[string]bool{}
	for i, g := range sorted {
		if err := g.Validate(); err != nil {
			return nil, err
		}
		if seen[g.ID] || seen["key:"+g.Access] {
			return nil, fmt.Errorf("grant %s: its id or access key is used twice", g.ID)
		}
		seen[g.ID], seen["key:"+g.Access] = true, true
		sorted[i].Expires = g.Expires.UTC()
	}
	if sorted == nil {
		sorted = []FileGrant{}
	}
	return json.MarshalIndent(Grants{Grants: sorted}, "", "  ")
}

// ParseGrants reads the grants file. An empty file holds no grant.
func ParseGrants(data []byte) ([]FileGrant, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, nil
	}
	var f Grants
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", GrantsFile, err)
	}
	for _, g := range f.Grants {
		if err := g.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", GrantsFile, err)
		}
	}
	return f.Grants, nil
}

// Live are the grants still in force at now: an expired grant is dropped
// the instant it expires, whatever the file says.
func Live(grants []FileGrant, now time.Time) []FileGrant {
	var out []FileGrant
	for _, g := range grants {
		if now.Before(g.Expires) {
			out = append(out, g)
		}
	}
	return out
}

// NextExpiry is the earliest expiry among grants, zero when none.
func NextExpiry(grants []FileGrant) time.Time {
	var next time.Time
	for _, g := range grants {
		if next.IsZero() || g.Expires.Before(next) {
			next = g.Expires
		}
	}
	return next
}

// GrantAccounts are the grants' accounts, for the IAM file.
func GrantAccounts(grants []FileGrant) []Account {
	out := make([]Account, 0, len(grants))
	for _, g := range grants {
		out = append(out, Account{Name: "grant-" + g.ID, Access: g.Access, Secret: g.Secret})
	}
	return out
}
