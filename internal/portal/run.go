package portal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
)

// Options configure a running portal.
type Options struct {
	Scope     Scope
	Namespace string
	Listen    string
	// Platforms reads DataPlatforms for department names (needs list/watch
	// on dataplatforms); without it the entries' own names are shown.
	Platforms bool
	// ReceiptKeys names the receipt key set ConfigMap (namespace/name) the
	// portal publishes at /receipt-keys.json; empty publishes none.
	ReceiptKeys string
	Server      Server
}

// Validate checks the scope and namespace agree.
func (o *Options) Validate() error {
	switch o.Scope {
	case ScopeCity:
		if o.Namespace != "" {
			return errors.New("--namespace is for --scope department: the city portal serves every platform namespace")
		}
	case ScopeDepartment:
		if o.Namespace == "" {
			return errors.New("--scope department needs --namespace, the department platform's namespace (scidata-<platform>)")
		}
	default:
		return fmt.Errorf("--scope must be city or department, not %q", o.Scope)
	}
	if o.ReceiptKeys != "" {
		if ns, name, ok := strings.Cut(o.ReceiptKeys, "/"); !ok || ns == "" || name == "" {
			return fmt.Errorf("--receipt-keys %q: want namespace/name of the key set ConfigMap", o.ReceiptKeys)
		}
	}
	return nil
}

// NewCache builds the informer cache the portal reads: CatalogEntries of one
// namespace (department) or all (city), and DataPlatforms when asked.
func NewCache(cfg *rest.Config, scheme *runtime.Scheme, namespace string, platforms bool) (cache.Cache, error) {
	opts := cache.Options{Scheme: scheme, ReaderFailOnMissingInformer: true}
	if namespace != "" {
		opts.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	}
	c, err := cache.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("create the cache: %w", err)
	}
	kinds := []client.Object{&scidatav1.CatalogEntry{}}
	if platforms {
		kinds = append(kinds, &scidatav1.DataPlatform{})
	}
	for _, k := range kinds {
		if _, err := c.GetInformer(context.Background(), k); err != nil {
			return nil, fmt.Errorf("watch %T: %w", k, err)
		}
	}
	return c, nil
}

// Run serves the portal until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	c, err := NewCache(cfg, scheme, o.Namespace, o.Platforms)
	if err != nil {
		return err
	}
	synced := make(chan struct{})
	go func() {
		if c.WaitForCacheSync(ctx) {
			close(synced)
		}
	}()
	s := o.Server
	s.Scope = o.Scope
	s.Index = NewIndex(nil, o.Namespace)
	if err := s.Index.Watch(ctx, c, o.Platforms); err != nil {
		return err
	}
	s.Ready = func() error {
		select {
		case <-synced:
			return s.Index.Synced()
		default:
			return errors.New("the catalog cache has not synced yet")
		}
	}
	if o.ReceiptKeys != "" {
		direct, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			return err
		}
		ns, name, _ := strings.Cut(o.ReceiptKeys, "/")
		s.ReceiptKeys = ConfigMapKeySet(direct, types.NamespacedName{Namespace: ns, Name: name}, 30*time.Second)
	}
	h, err := s.Handler()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, 2)
	go func() { errs <- c.Start(ctx) }()
	go func() { errs <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
	case err := <-errs:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
