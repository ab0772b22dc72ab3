package storeboot

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
)

// GrantSource is where the sidecar learns the store's access grants: the
// grants document (ParseGrants) as it stands now.
type GrantSource interface {
	// Read returns the document (nil when there is none), or an error when
	// it cannot be read now (the sidecar keeps the grants it last read).
	Read() ([]byte, error)
	// Changed is signalled when the document may have changed; nil for a
	// source that is only read every PollInterval.
	Changed() <-chan struct{}
}

// FileSource reads the grants Secret as the kubelet mounts it. The kubelet
// replaces a mounted Secret's files only when it next syncs the pod (about
// a minute and a half at worst with its default sync frequency), so a
// grant that ended would keep its account that long: the store's sidecar
// reads the Secret from the API (SecretSource) and keeps the file for the
// init container and for a start while the API cannot answer.
type FileSource string

// Read reads the file; a missing file holds no grant.
func (f FileSource) Read() ([]byte, error) {
	if f == "" {
		return nil, nil
	}
	data, err := os.ReadFile(string(f))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// Changed is nil: the file is polled.
func (FileSource) Changed() <-chan struct{} { return nil }

// SecretSource watches the grants Secret through the API, so that a grant
// the operator takes out of it loses its account within a second or two,
// not at the kubelet's next sync of the pod. Until its first list answers
// it reads Fallback (the mounted copy, current when the pod started): a
// store that starts while the API is away keeps the grants it had, and
// never drops them for not knowing. After that the API is the truth: a
// Secret that is gone holds no grant.
type SecretSource struct {
	Fallback GrantSource

	mu      sync.Mutex
	seen    bool   // the watch has seen the Secret's current state
	present bool   // ... and the Secret exists
	data    []byte // its GrantsFile, when present
	changed chan struct{}
}

// WatchSecret starts watching the Secret name in namespace (its GrantsFile
// key) until ctx ends. It needs get, list and watch on that one Secret: the
// list and watch name it with a field selector, which RBAC's resourceNames
// allow.
func WatchSecret(ctx context.Context, cs kubernetes.Interface, namespace, name string, fallback GrantSource, log *slog.Logger) *SecretSource {
	s := &SecretSource{Fallback: fallback, changed: make(chan struct{}, 1)}
	lw := toolscache.NewListWatchFromClient(cs.CoreV1().RESTClient(), "secrets", namespace, fields.OneTermEqualSelector("metadata.name", name))
	_, informer := toolscache.NewInformerWithOptions(toolscache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    &corev1.Secret{},
		Handler: toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.set(obj) },
			UpdateFunc: func(_, obj any) { s.set(obj) },
			DeleteFunc: func(any) { s.set(nil) },
		},
	})
	go informer.RunWithContext(ctx)
	go func() {
		// An empty list (no Secret yet) is also an answer: no grant.
		if toolscache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
			s.synced()
			log.Info("watching the grants Secret", "namespace", namespace, "name", name)
		}
	}()
	return s
}

func (s *SecretSource) set(obj any) {
	s.mu.Lock()
	if sec, ok := obj.(*corev1.Secret); ok {
		s.present, s.data = true, sec.Data[GrantsFile]
	} else {
		s.present, s.data = false, nil
	}
	s.seen = true
	s.mu.Unlock()
	s.signal()
}

func (s *SecretSource) synced() {
	s.mu.Lock()
	s.seen = true
	s.mu.Unlock()
	s.signal()
}

func (s *SecretSource) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Read returns the watched Secret's grants once the watch has answered,
// the fallback's before.
func (s *SecretSource) Read() ([]byte, error) {
	s.mu.Lock()
	seen, present, data := s.seen, s.present, s.data
	s.mu.Unlock()
	if !seen {
		if s.Fallback == nil {
			return nil, errors.New("the grants Secret has not been read from the API yet")
		}
		return s.Fallback.Read()
	}
	if !present {
		return nil, nil
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// Changed is signalled on every change the watch sees.
func (s *SecretSource) Changed() <-chan struct{} { return s.changed }
