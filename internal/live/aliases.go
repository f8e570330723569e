package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// CreateAlias makes alias resolve to collection (POST /v1/aliases). Weaviate
// refuses a name that a collection or another alias already holds.
func (c *Client) CreateAlias(ctx context.Context, alias, collection string) error {
	body := map[string]string{"alias": alias, "class": collection}
	return c.retry(ctx, "create alias "+alias, func() error {
		return c.do(ctx, http.MethodPost, "/v1/aliases", body, nil)
	})
}

// RetargetAlias points an existing alias at another collection in one call
// (PUT /v1/aliases/NAME): queries through the alias switch at once.
func (c *Client) RetargetAlias(ctx context.Context, alias, collection string) error {
	body := map[string]string{"class": collection}
	err := c.retry(ctx, "retarget alias "+alias, func() error {
		return c.do(ctx, http.MethodPut, "/v1/aliases/"+url.PathEscape(alias), body, nil)
	})
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("retarget alias %s: no such alias on the server (plan again to see the server as it is now)", alias)
	}
	return err
}

// DeleteAlias removes an alias (DELETE /v1/aliases/NAME); the collection it
// pointed at is untouched. Deleting an alias that is already gone is not an
// error, so a resumed apply can repeat it.
func (c *Client) DeleteAlias(ctx context.Context, alias string) error {
	err := c.retry(ctx, "delete alias "+alias, func() error {
		return c.do(ctx, http.MethodDelete, "/v1/aliases/"+url.PathEscape(alias), nil, nil)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
