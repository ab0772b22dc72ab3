package testenv

import (
	"context"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CountingClient counts every write a client issues (Create, Update, Patch,
// Delete, DeleteAllOf, Apply, and the same through a subresource), so a test
// can prove that a pass wrote nothing.
type CountingClient struct {
	client.Client
	writes atomic.Int64
}

// NewCountingClient wraps c.
func NewCountingClient(c client.Client) *CountingClient { return &CountingClient{Client: c} }

// Writes is the number of writes issued so far.
func (c *CountingClient) Writes() int64 { return c.writes.Load() }

func (c *CountingClient) Create(ctx context.Context, o client.Object, opts ...client.CreateOption) error {
	c.writes.Add(1)
	return c.Client.Create(ctx, o, opts...)
}

func (c *CountingClient) Update(ctx context.Context, o client.Object, opts ...client.UpdateOption) error {
	c.writes.Add(1)
	return c.Client.Update(ctx, o, opts...)
}

func (c *CountingClient) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.PatchOption) error {
	c.writes.Add(1)
	return c.Client.Patch(ctx, o, p, opts...)
}

func (c *CountingClient) Apply(ctx context.Context, o runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.writes.Add(1)
	return c.Client.Apply(ctx, o, opts...)
}

func (c *CountingClient) Delete(ctx context.Context, o client.Object, opts ...client.DeleteOption) error {
	c.writes.Add(1)
	return c.Client.Delete(ctx, o, opts...)
}

func (c *CountingClient) DeleteAllOf(ctx context.Context, o client.Object, opts ...client.DeleteAllOfOption) error {
	c.writes.Add(1)
	return c.Client.DeleteAllOf(ctx, o, opts...)
}

// Status counts writes through the status subresource too.
func (c *CountingClient) Status() client.SubResourceWriter {
	return &countingSubResource{SubResourceWriter: c.Client.Status(), writes: &c.writes}
}

// SubResource counts writes through any subresource.
func (c *CountingClient) SubResource(name string) client.SubResourceClient {
	return &countingSubResourceClient{SubResourceClient: c.Client.SubResource(name), writes: &c.writes}
}

func (s *countingSubResource) Apply(ctx context.Context, o runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	s.writes.Add(1)
	return s.SubResourceWriter.Apply(ctx, o, opts...)
}

type countingSubResource struct {
	client.SubResourceWriter
	writes *atomic.Int64
}

func (s *countingSubResource) Create(ctx context.Context, o, sub client.Object, opts ...client.SubResourceCreateOption) error {
	s.writes.Add(1)
	return s.SubResourceWriter.Create(ctx, o, sub, opts...)
}

func (s *countingSubResource) Update(ctx context.Context, o client.Object, opts ...client.SubResourceUpdateOption) error {
	s.writes.Add(1)
	return s.SubResourceWriter.Update(ctx, o, opts...)
}

func (s *countingSubResource) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
	s.writes.Add(1)
	return s.SubResourceWriter.Patch(ctx, o, p, opts...)
}

func (s *countingSubResourceClient) Apply(ctx context.Context, o runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	s.writes.Add(1)
	return s.SubResourceClient.Apply(ctx, o, opts...)
}

type countingSubResourceClient struct {
	client.SubResourceClient
	writes *atomic.Int64
}

func (s *countingSubResourceClient) Create(ctx context.Context, o, sub client.Object, opts ...client.SubResourceCreateOption) error {
	s.writes.Add(1)
	return s.SubResourceClient.Create(ctx, o, sub, opts...)
}

func (s *countingSubResourceClient) Update(ctx context.Context, o client.Object, opts ...client.SubResourceUpdateOption) error {
	s.writes.Add(1)
	return s.SubResourceClient.Update(ctx, o, opts...)
}

func (s *countingSubResourceClient) Patch(ctx context.Context, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
	s.writes.Add(1)
	return s.SubResourceClient.Patch(ctx, o, p, opts...)
}
