package live

import (
	"context"
	"errors"
	"net/http"
)

// Aliases returns the server's collection aliases, alias → collection
// (GET /v1/aliases, Weaviate 1.32 and later). A server without aliases
// (older, or answering 404) has none.
func (c *Client) Aliases(ctx context.Context) (map[string]string, error) {
	var reply struct {
		Aliases []struct {
			Alias string `json:"alias"`
			Class string `json:"class"`
		} `json:"aliases"`
	}
	err := c.retry(ctx, "read the aliases", func() error {
		return c.do(ctx, http.MethodGet, "/v1/aliases", nil, &reply)
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(reply.Aliases))
	for _, a := range reply.Aliases {
		out[a.Alias] = a.Class
	}
	return out, nil
}
