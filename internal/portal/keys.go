package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scidata-io/scidata-operator/internal/receipt"
)

const receiptKeysPattern = "GET /receipt-keys.json"

// KeySetField is the key of the receipt key set ConfigMap's data.
const KeySetField = receipt.KeySetField

// ErrNoKeys says that no receipt has been signed yet, so no key set exists.
var ErrNoKeys = errors.New("no receipt has been signed yet: the key set is made with the first receipt")

// ConfigMapKeySet reads the receipt key set from a ConfigMap with a direct
// GET (the portal's identity may read that one ConfigMap by name, nothing
// else), at most once per ttl. What it returns has been parsed as a key
// set, so a damaged ConfigMap is reported, never published.
func ConfigMapKeySet(c client.Reader, key types.NamespacedName, ttl time.Duration) func(context.Context) ([]byte, error) {
	var mu sync.Mutex
	var cached []byte
	var at time.Time
	return func(ctx context.Context) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if cached != nil && time.Since(at) < ttl {
			return cached, nil
		}
		var cm corev1.ConfigMap
		if err := c.Get(ctx, key, &cm); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, ErrNoKeys
			}
			return nil, fmt.Errorf("read the key set %s: %w", key, err)
		}
		data := cm.Data[KeySetField]
		if _, err := receipt.ParseKeySet([]byte(data)); err != nil {
			return nil, fmt.Errorf("the key set %s is damaged: %w", key, err)
		}
		cached, at = []byte(data), time.Now()
		return cached, nil
	}
}

// receiptKeys publishes the Center's receipt key set: the public keys
// auditors check receipts with (`receipt verify --keyset`), each with its
// fingerprint. A portal that is not the Center's has none.
func (s *Server) receiptKeys(w http.ResponseWriter, r *http.Request) {
	if s.ReceiptKeys == nil {
		http.Error(w, "this portal publishes no receipt keys: the Center's portal does", http.StatusNotFound)
		return
	}
	b, err := s.ReceiptKeys(r.Context())
	switch {
	case errors.Is(err, ErrNoKeys):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "the receipt key set cannot be read now", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write([]byte(strings.TrimRight(string(b), "\n") + "\n"))
}
