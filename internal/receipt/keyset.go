package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// PublishedKey is one public key of the Center's append-only key set.
type PublishedKey struct {
	KeyID     string    `json:"keyID"`
	PublicKey string    `json:"publicKey"` // base64 of the raw 32-byte key
	CreatedAt time.Time `json:"createdAt"`
}

// KeySet is the Center's append-only list of receipt-signing public keys.
// Rotating the key appends; no key is ever removed, so every receipt ever
// issued stays verifiable.
type KeySet struct {
	Keys []PublishedKey `json:"keys"`
}

// Append adds pub to the set unless it is already there, and reports
// whether it added it.
func (s *KeySet) Append(pub ed25519.PublicKey, at time.Time) bool {
	id := KeyID(pub)
	for _, k := range s.Keys {
		if k.KeyID == id {
			return false
		}
	}
	s.Keys = append(s.Keys, PublishedKey{
		KeyID:     id,
		PublicKey: base64.StdEncoding.EncodeToString(pub),
		CreatedAt: at.UTC(),
	})
	return true
}

// Lookup returns the public key whose fingerprint is keyID. It checks that
// the published key really hashes to the ID it is listed under.
func (s KeySet) Lookup(keyID string) (ed25519.PublicKey, error) {
	for _, k := range s.Keys {
		if k.KeyID != keyID {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: key %s in the key set is not a base64 Ed25519 public key", ErrMalformed, keyID)
		}
		pub := ed25519.PublicKey(raw)
		if KeyID(pub) != keyID {
			return nil, fmt.Errorf("%w: key listed as %s hashes to %s", ErrKeyMismatch, keyID, KeyID(pub))
		}
		return pub, nil
	}
	return nil, fmt.Errorf("%w: key %s is not in the key set", ErrKeyMismatch, keyID)
}

// KeySetField is the key, in the Center's key set ConfigMap (receipt-keys),
// under which the key set's JSON is kept.
const KeySetField = "keys.json"

// ParseKeySet reads a key set from its JSON form.
func ParseKeySet(b []byte) (KeySet, error) {
	var s KeySet
	if err := json.Unmarshal(b, &s); err != nil {
		return KeySet{}, fmt.Errorf("%w: key set: %w", ErrMalformed, err)
	}
	return s, nil
}
