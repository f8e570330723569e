package snapshot

import (
	"context"

	"github.com/klauspost/compress/zstd"

	"github.com/colstate/colstate/internal/object"
)

// TenantObjects is Objects for the chunks of the tenants keep accepts
// only: a restore of some tenants (restore --tenant) reads none of the
// others' chunks. Every chunk holds one tenant's objects.
func (r *Reader) TenantObjects(ctx context.Context, name string, keep func(tenant string) bool, fn func(*object.Object) error) error {
	c, err := r.collection(name)
	if err != nil {
		return err
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return err
	}
	defer dec.Close()
	for _, ch := range c.Chunks {
		if !keep(ch.Tenant) {
			continue
		}
		if err := r.readChunk(ctx, dec, name, ch, fn); err != nil {
			return err
		}
	}
	return nil
}
