package live

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/colstate/colstate/internal/object"
)

// MissingTarget tells whether Weaviate refused to write an object because
// one of its references points at an object that does not exist.
func MissingTarget(message string) bool {
	return strings.Contains(message, "no object with id")
}

// WriteWithDanglingReferences writes object o into collection (a
// collection without multi-tenancy) with every reference it holds, in
// order, including references to objects that no longer exist. Weaviate
// keeps such references (it does not cascade deletes) but refuses them in
// an object write; its batch reference endpoint accepts them for
// collections without multi-tenancy. So o is upserted without its
// references, then they are added one property at a time. Both steps are
// retried together: the upsert clears what a failed attempt added.
func (c *Client) WriteWithDanglingReferences(ctx context.Context, s *ObjectSchema, collection string, o *object.Object) error {
	if o.Tenant != "" {
		return fmt.Errorf("object %s of %s (tenant %s): Weaviate refuses a reference to a missing object in a multi-tenant collection", o.ID, collection, o.Tenant)
	}
	bare := *o
	bare.Properties = make(map[string]any, len(o.Properties))
	type ref struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	var refs []ref
	for _, p := range s.Properties {
		v, ok := o.Properties[p.Name]
		if p.Kind() != "ref" || !ok {
			continue
		}
		list, _ := v.([]any)
		for _, r := range list {
			m, _ := r.(map[string]any)
			b, _ := m["beacon"].(string)
			target, id := ParseBeacon(b)
			if target == "" && len(p.DataType) == 1 {
				target = p.DataType[0]
			}
			if target == "" || id == "" {
				return fmt.Errorf("object %s of %s, property %s: reference %q names no collection and object", o.ID, collection, p.Name, b)
			}
			refs = append(refs, ref{From: "weaviate://localhost/" + collection + "/" + o.ID + "/" + p.Name, To: Beacon(target, id)})
		}
	}
	for k, v := range o.Properties {
		if p := s.Property(k); p != nil && p.Kind() == "ref" {
			continue
		}
		bare.Properties[k] = v
	}
	bo, err := ToBatchObject(s, collection, &bare)
	if err != nil {
		return fmt.Errorf("object %s of %s: %w", o.ID, collection, err)
	}
	var replies []struct {
		To     string `json:"to"`
		Result struct {
			Errors *struct {
				Error []struct {
					Message string `json:"message"`
				} `json:"error"`
			} `json:"errors"`
		} `json:"result"`
	}
	return c.retry(ctx, "write object "+o.ID+" with its references", func() error {
		failed, err := c.writeBatch(ctx, collection, []*pb.BatchObject{bo})
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			return fmt.Errorf("object %s of %s was not written: %s", o.ID, collection, failed[0].Message)
		}
		if len(refs) == 0 {
			return nil
		}
		if err := c.do(ctx, http.MethodPost, "/v1/batch/references", refs, &replies); err != nil {
			return fmt.Errorf("add the references of object %s of %s: %w", o.ID, collection, err)
		}
		for _, r := range replies {
			if r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
				return fmt.Errorf("add reference of object %s of %s to %s: %s", o.ID, collection, r.To, r.Result.Errors.Error[0].Message)
			}
		}
		return nil
	})
}
