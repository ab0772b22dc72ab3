package portal_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/scidata-io/scidata-operator/internal/portal"
	"github.com/scidata-io/scidata-operator/internal/receipt"
)

// The Center's portal publishes the receipt key set read from its
// ConfigMap through the real apiserver; before the first receipt it says
// there is none yet; a damaged key set is never published; a portal
// without a key set says where the keys are.
func TestReceiptKeysArePublishedFromTheConfigMap(t *testing.T) {
	setup(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "keys-center"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: ns.Name, Name: "receipt-keys"}
	serve := func(keys func(context.Context) ([]byte, error)) *httptest.Server {
		s := &portal.Server{ReceiptKeys: keys, Title: "t", Description: "d", Publisher: "p", BaseURL: "https://x"}
		h, err := s.Handler()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}

	srv := serve(portal.ConfigMapKeySet(env.Client, key, 0))
	if code, body, _ := get(t, srv, "/receipt-keys.json"); code != 404 || !strings.Contains(body, "no receipt has been signed yet") {
		t.Fatalf("before any key: %d %q", code, body)
	}

	var set receipt.KeySet
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	set.Append(pub, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	b, _ := json.Marshal(set)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}, Data: map[string]string{portal.KeySetField: string(b)}}
	if err := env.Client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	code, body, hdr := get(t, srv, "/receipt-keys.json")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("with a key: %d %s %q", code, hdr.Get("Content-Type"), body)
	}
	published, err := receipt.ParseKeySet([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := published.Lookup(receipt.KeyID(pub)); err != nil {
		t.Fatalf("the published set lacks the key %s: %v\n%s", receipt.KeyID(pub), err, body)
	}

	cm.Data[portal.KeySetField] = "{not json"
	if err := env.Client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := get(t, srv, "/receipt-keys.json"); code != 503 || strings.Contains(body, "not json") {
		t.Fatalf("a damaged key set: %d %q, want 503 without publishing it", code, body)
	}

	if code, body, _ := get(t, serve(nil), "/receipt-keys.json"); code != 404 || !strings.Contains(body, "the Center's portal does") {
		t.Fatalf("a department's portal: %d %q", code, body)
	}
}
